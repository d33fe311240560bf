import { Route, Routes } from 'react-router';
import { RegisterPage } from '../features/auth/RegisterPage.tsx';
import { RequireSession } from '../features/auth/RequireSession.tsx';
import { SessionGate } from '../features/auth/SessionGate.tsx';
import { SignInPage } from '../features/auth/SignInPage.tsx';
import { ChatPage } from '../features/chat/ChatPage.tsx';
import { JoinPage } from '../features/rooms/JoinPage.tsx';
import { RoomsPage } from '../features/rooms/RoomsPage.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';

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
        <Route element={<RequireSession />}>
          <Route path="/lobby" element={<RoomsPage />} />
          <Route path="/chat/:roomId" element={<ChatPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </SessionGate>
  );
}
