import { lazy, type ReactNode, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { RegisterPage } from '../features/auth/RegisterPage.tsx';
import { RequireSession } from '../features/auth/RequireSession.tsx';
import { SessionGate } from '../features/auth/SessionGate.tsx';
import { SignInPage } from '../features/auth/SignInPage.tsx';
import { JoinPage } from '../features/rooms/JoinPage.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';

// Split by route: the front page, sign-in and register are in the first script; every other
// page is fetched when it is first opened. The chat (and with it the encryption code), the
// lobby and above all the code room (CodeMirror, Yjs) are most of the app's weight, and someone
// who only signs in or types a name has no use for them yet. The chunks' names (`ChatPage-<hash>.js`,
// and the libraries' `codemirror`, `yjs`, `crypto` chunks from vite.config.ts) are what
// e2e/loading.spec.ts checks the front page never fetches.
const RoomsPage = lazy(() => import('../features/rooms/RoomsPage.tsx').then((m) => ({ default: m.RoomsPage })));
const ChatPage = lazy(() => import('../features/chat/ChatPage.tsx').then((m) => ({ default: m.ChatPage })));
const InviteJoinPage = lazy(() =>
  import('../features/e2e/InviteJoinPage.tsx').then((m) => ({ default: m.InviteJoinPage })),
);
const CodeRoomPage = lazy(() => import('../features/code/CodeRoomPage.tsx').then((m) => ({ default: m.CodeRoomPage })));

/** Shown while a page's script is on its way: a polite status, read out once. */
function Loading() {
  return (
    <div className="flex min-h-dvh items-center justify-center">
      <p role="status" className="text-sm text-slate-500">
        Loading…
      </p>
    </div>
  );
}

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

/**
 * The routes. None may start with a path the server keeps for its API (/auth, /rooms, /ws, …):
 * the server answers those itself and sends index.html for everything else.
 */
export function App() {
  return (
    <SessionGate>
      <Routes>
        <Route path="/" element={<JoinPage />} />
        <Route path="/signin" element={<SignInPage />} />
        <Route path="/register" element={<RegisterPage />} />
        {/* Seed 001's link: open to anyone; without a session it asks for a name first. */}
        <Route
          path="/room/:roomId"
          element={
            <Lazy>
              <CodeRoomPage />
            </Lazy>
          }
        />
        {/* An encrypted room's invite: the key is in the fragment; without a session it asks for a name. */}
        <Route
          path="/join/:roomId"
          element={
            <Lazy>
              <InviteJoinPage />
            </Lazy>
          }
        />
        <Route element={<RequireSession />}>
          <Route
            path="/lobby"
            element={
              <Lazy>
                <RoomsPage />
              </Lazy>
            }
          />
          <Route
            path="/chat/:roomId"
            element={
              <Lazy>
                <ChatPage />
              </Lazy>
            }
          />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </SessionGate>
  );
}
