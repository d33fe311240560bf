import { type RoomCrypto, type RoomHistory, RoomSession } from '@tandem/client';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { AppState } from 'react-native';
import type { Realtime } from '../services.tsx';

/**
 * One room as the shared `RoomSession` of @tandem/client keeps it (the web runs the same model):
 * joined while mounted, its newest message marked read while the app is in the foreground, and
 * a wake-up of the connection when the app comes back.
 */
export function useRoomSession(
  roomId: string,
  userId: string,
  realtime: Realtime,
  history: RoomHistory,
  crypto: RoomCrypto | undefined,
) {
  const session = useMemo(
    () => new RoomSession({ roomId, userId, realtime, history }),
    [roomId, userId, realtime, history],
  );
  useEffect(() => {
    session.start();
    session.setVisible(AppState.currentState !== 'background');
    // Back from the background: reconnect now (or prove the socket alive) and catch up.
    const appState = AppState.addEventListener('change', (next) => {
      session.setVisible(next !== 'background');
      if (next === 'active') realtime.wake();
    });
    return () => {
      appState.remove();
      session.stop();
    };
  }, [session, realtime]);
  useEffect(() => session.setCrypto(crypto), [session, crypto]);
  const state = useSyncExternalStore(session.subscribe, session.getState);
  return { session, state };
}
