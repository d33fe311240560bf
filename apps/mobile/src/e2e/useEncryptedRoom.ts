import { EncryptedRoomSession, type EncryptedRoomState, type Opened } from '@tandem/client/e2e';
import type { Message } from '@tandem/protocol';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { Realtime } from '../services.tsx';
import { useServices } from '../services.tsx';

const NO_OPENED: ReadonlyMap<string, Opened> = new Map();
const noSubscription = () => () => {};

/**
 * The phone's side of an encrypted room: the shared `EncryptedRoomSession` of @tandem/client
 * (the web app runs the same one) bound to this screen's realtime connection.
 */
export function useEncryptedRoom(
  roomId: string,
  userId: string,
  enabled: boolean,
  realtime: Realtime,
  messages: readonly Message[],
): {
  state: EncryptedRoomState | undefined;
  opened: ReadonlyMap<string, Opened>;
  session: EncryptedRoomSession | undefined;
} {
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
  // A new state (keys, devices) means another look at the messages.
  const opened = useMemo(() => (session && state ? session.open(messages) : NO_OPENED), [session, state, messages]);
  return { state, opened, session };
}
