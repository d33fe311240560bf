import type { AppThunk } from '../../app/store.ts';

/** Typing is a lease on the server: `true` starts or refreshes it, `false` ends it. */
export function reportTyping(active: boolean): AppThunk {
  return (_dispatch, _getState, { realtime }) => realtime.get().typing(active);
}

/** Everything up to `seq` has been read; the room is told (that is the others' "seen"). */
export function markRead(seq: number): AppThunk {
  return (_dispatch, _getState, { realtime }) => realtime.get().markRead(seq);
}
