import { EncryptedRoomSession, type EncryptedRoomState, type KeyChange, type Opened } from '@tandem/client/e2e';
import type { Message } from '@tandem/protocol';
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { useAppDispatch } from '../../app/hooks.ts';
import { listenRealtime } from '../chat/realtimeThunks.ts';
import { e2eDeps } from './deps.ts';

export type { KeyChange };

export type EncryptedRoom = Omit<EncryptedRoomState, 'status' | 'missing'> & {
  /** off: a plain room; loading: reading the device and keys; waiting: no key yet (asked for one); ready: can read and send. */
  status: 'off' | EncryptedRoomState['status'];
  /** Each sealed message opened once (by message id). */
  opened: ReadonlyMap<string, Opened>;
};

const OFF: EncryptedRoom = {
  status: 'off',
  identity: undefined,
  roomKeys: new Map(),
  devices: new Map(),
  changedKeys: [],
  opened: new Map(),
};
const noSubscription = () => () => {};

/**
 * The browser side of an encrypted room: the shared `EncryptedRoomSession` (which asks for the
 * key, answers the others' requests and opens messages) bound to this page's realtime events.
 */
export function useEncryptedRoom(roomId: string, userId: string, enabled: boolean, messages: Message[]): EncryptedRoom {
  const dispatch = useAppDispatch();
  const latestSeq = useRef(0);
  latestSeq.current = messages.at(-1)?.seq ?? 0;
  const session = useMemo<EncryptedRoomSession | undefined>(
    () =>
      enabled
        ? new EncryptedRoomSession({
            roomId,
            userId,
            deps: e2eDeps(),
            listen: (event, listener) => dispatch(listenRealtime(event, listener)),
            latestSeq: () => latestSeq.current,
          })
        : undefined,
    [enabled, roomId, userId, dispatch],
  );
  useEffect(() => {
    if (!session) return;
    session.start();
    return () => session.stop();
  }, [session]);
  const state = useSyncExternalStore(session?.subscribe ?? noSubscription, () => session?.state);
  // Opening depends on the state too (keys, devices): a new state object means look again.
  const opened = useMemo(() => (session && state ? session.open(messages) : OFF.opened), [session, state, messages]);
  if (!session || !state) return OFF;
  const { missing: _missing, ...rest } = state;
  return { ...rest, opened };
}
