import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { RegisterPage } from '../features/auth/RegisterPage.tsx';
import { RequireSession } from '../features/auth/RequireSession.tsx';
import { SessionGate } from '../features/auth/SessionGate.tsx';
import { SignInPage } from '../features/auth/SignInPage.tsx';
import { ChatPage } from '../features/chat/ChatPage.tsx';
import { InviteJoinPage } from '../features/e2e/InviteJoinPage.tsx';
import { JoinPage } from '../features/rooms/JoinPage.tsx';
import { RoomsPage } from '../features/rooms/RoomsPage.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';

// The editor (CodeMirror, Yjs) is most of the app's weight: only code rooms load it.
const CodeRoomPage = lazy(() =>
  import('../features/code/CodeRoomPage.tsx').then((module) => ({ default: module.CodeRoomPage })),
);

function Loading() {
  return (
    <div className="flex min-h-dvh items-center justify-center">
      <p role="status" className="text-sm text-slate-500">
        Loading…
      </p>
    </div>
  );
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
            <Suspense fallback={<Loading />}>
              <CodeRoomPage />
            </Suspense>
          }
        />
        {/* An encrypted room's invite: the key is in the fragment; without a session it asks for a name. */}
        <Route path="/join/:roomId" element={<InviteJoinPage />} />
        <Route element={<RequireSession />}>
          <Route path="/lobby" element={<RoomsPage />} />
          <Route path="/chat/:roomId" element={<ChatPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </SessionGate>
  );
}
