import type { RoomCrypto } from '@tandem/client';
import { EncryptedRoomSession, type EncryptedRoomState, roomCrypto } from '@tandem/client/e2e';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { Realtime } from '../services.tsx';
import { useServices } from '../services.tsx';

const noSubscription = () => () => {};

/**
 * The phone's side of an encrypted room: the shared `EncryptedRoomSession` of @tandem/client
 * (the web app runs the same one) bound to this screen's realtime connection, and the
 * `RoomCrypto` that opens and seals the room's messages for its `RoomSession`.
 */
export function useEncryptedRoom(
  roomId: string,
  userId: string,
  enabled: boolean,
  realtime: Realtime,
): { state: EncryptedRoomState | undefined; crypto: RoomCrypto | undefined } {
  const { e2e } = useServices();
  const session = useMemo(
    () =>
      enabled
        ? new EncryptedRoomSession({
            roomId,
            userId,
            deps: e2e,
            listen: (event, listener) => realtime.on(event, listener),
          })
        : undefined,
    [enabled, roomId, userId, e2e, realtime],
  );
  useEffect(() => {
    if (!session) return;
    session.start();
    return () => session.stop();
  }, [session]);
  const state = useSyncExternalStore(session?.subscribe ?? noSubscription, () => session?.state);
  const crypto = useMemo(() => (session ? roomCrypto(session, roomId) : undefined), [session, roomId]);
  return { state, crypto };
}
