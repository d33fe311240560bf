import type { RealtimeEvents } from '@tandem/client';
import type { AppThunk } from '../../app/store.ts';

/** Typing is a lease on the server: `true` starts or refreshes it, `false` ends it. */
export function reportTyping(active: boolean): AppThunk {
  return (_dispatch, _getState, { realtime }) => realtime.get().typing(active);
}

/** Everything up to `seq` has been read; the room is told (that is the others' "seen"). */
export function markRead(seq: number): AppThunk {
  return (_dispatch, _getState, { realtime }) => realtime.get().markRead(seq);
}

/** Listens to one realtime event of the joined room; returns the function that stops listening. */
export function listenRealtime<K extends keyof RealtimeEvents>(
  event: K,
  listener: (payload: RealtimeEvents[K]) => void,
): AppThunk<() => void> {
  return (_dispatch, _getState, { realtime }) => realtime.get().on(event, listener);
}
