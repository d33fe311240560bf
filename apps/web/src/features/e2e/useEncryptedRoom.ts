import type { RoomCrypto } from '@tandem/client';
import { EncryptedRoomSession, type EncryptedRoomState, type KeyChange, roomCrypto } from '@tandem/client/e2e';
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { useServices } from '../../app/hooks.ts';
import { e2eDeps } from './deps.ts';

export type { KeyChange };

export type EncryptedRoom = Omit<EncryptedRoomState, 'status' | 'missing'> & {
  /** off: a plain room; loading: reading the device and keys; waiting: no key yet (asked for one); ready: can read and send. */
  status: 'off' | EncryptedRoomState['status'];
  /** What opens and seals the room's messages for its RoomSession (undefined in a plain room). */
  crypto: RoomCrypto | undefined;
};

const OFF: EncryptedRoom = {
  status: 'off',
  identity: undefined,
  roomKeys: new Map(),
  devices: new Map(),
  changedKeys: [],
  crypto: undefined,
};
const noSubscription = () => () => {};

/**
 * The browser side of an encrypted room: the shared `EncryptedRoomSession` (which asks for the
 * key, answers the others' requests and opens messages; the phone app runs the same one) bound
 * to the realtime connection, and the `RoomCrypto` the page hands its RoomSession.
 * `latestSeq`: the newest message shown, where a key-change notice goes.
 */
export function useEncryptedRoom(
  roomId: string,
  userId: string,
  enabled: boolean,
  latestSeq: () => number,
): EncryptedRoom {
  const { realtime } = useServices();
  const newest = useRef(latestSeq);
  newest.current = latestSeq;
  const session = useMemo<EncryptedRoomSession | undefined>(
    () =>
      enabled
        ? new EncryptedRoomSession({
            roomId,
            userId,
            deps: e2eDeps(),
            listen: (event, listener) => realtime.get().on(event, listener),
            latestSeq: () => newest.current(),
          })
        : undefined,
    [enabled, roomId, userId, realtime],
  );
  useEffect(() => {
    if (!session) return;
    session.start();
    return () => session.stop();
  }, [session]);
  const state = useSyncExternalStore(session?.subscribe ?? noSubscription, () => session?.state);
  const crypto = useMemo(() => (session ? roomCrypto(session, roomId) : undefined), [session, roomId]);
  if (!session || !state) return OFF;
  const { missing: _missing, ...rest } = state;
  return { ...rest, crypto };
}
