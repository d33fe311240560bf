import type { Message } from '@tandem/protocol';
import type { ReadMarker, TypingLeases, TypingReporter } from './policies.ts';
import * as reduce from './reducers.ts';
import type { RoomRealtime, RoomState } from './types.ts';

/** What the connection's events move: the room's state, the policies that follow it, the opener. */
export type RoomEventsTarget = {
  roomId: string;
  userId: string;
  /** The room's state now. */
  state: () => RoomState;
  update: (next: RoomState) => void;
  leases: TypingLeases;
  reads: ReadMarker;
  typingReporter: TypingReporter;
  /** Encrypted rooms: opens the sealed ones of messages just shown. */
  openSealed: (messages: readonly Message[]) => void;
  now: () => Date;
};

/**
 * Listens to the connection for one room: each frame about it goes through its reducer, and
 * moves the policies it concerns (the others' typing leases, your read marks, your typing).
 * Frames about other rooms are ignored. Returns the functions that stop listening.
 */
export function listenToRoom(realtime: RoomRealtime, target: RoomEventsTarget): Array<() => void> {
  const { roomId, userId, state, update, leases, reads } = target;
  const here = (frame: { roomId: string }) => frame.roomId === roomId;
  return [
    realtime.on('status', (status) => update(reduce.connection(state(), status))),
    realtime.on('joined', (frame) => {
      if (frame.room.id !== roomId) return;
      leases.clear();
      update(reduce.joined(state(), frame, userId));
      target.openSealed(frame.messages);
      // A read sent into a dropped socket was lost: say it again.
      reads.reset();
      reads.check();
    }),
    realtime.on('message', (message) => {
      if (!here(message)) return;
      leases.end(message.sender.id);
      update(reduce.message(state(), message, userId));
      target.openSealed([message]);
      reads.check();
    }),
    realtime.on('presence', (frame) => {
      if (!here(frame)) return;
      if (frame.action === 'leave') leases.end(frame.user.id);
      update(reduce.presence(state(), frame, target.now().toISOString()));
    }),
    realtime.on('typing', (frame) => {
      if (!here(frame)) return;
      leases.end(frame.user.id);
      update(reduce.typing(state(), frame.user, frame.active, userId));
      // The lease ends by itself if no refresh comes, even if the "stopped" notice is lost.
      if (frame.active && frame.user.id !== userId)
        leases.start(frame.user.id, frame.expiresInMs, () => update(reduce.typing(state(), frame.user, false, userId)));
    }),
    realtime.on('read', (frame) => {
      if (here(frame)) update(reduce.read(state(), frame));
    }),
    realtime.on('sendFailed', ({ clientMessageId, message }) =>
      update(reduce.sendFailed(state(), clientMessageId, message)),
    ),
    realtime.on('removed', (frame) => {
      if (!here(frame)) return;
      leases.clear();
      target.typingReporter.sent();
      update(reduce.removed(state(), frame.reason));
    }),
  ];
}
