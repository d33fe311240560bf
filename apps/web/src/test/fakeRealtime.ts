import type { RealtimeEvents } from '@tandem/client';
import type { Message, SealedMessage, ServerFrameOf } from '@tandem/protocol';
import { type Mock, vi } from 'vitest';
import type { Realtime } from '../app/services.ts';

type Listener = (payload: never) => void;

export type ScriptedSend = {
  clientMessageId: string;
  body: string;
  attachmentIds: string[];
  /** Encrypted rooms: what goes to the server in place of the (empty) body. */
  sealed?: SealedMessage;
  resolve(m: Message): void;
  reject(e: Error): void;
};

export interface FakeRealtime extends Realtime {
  join: Mock<Realtime['join']>;
  leave: Mock<Realtime['leave']>;
  send: Mock<Realtime['send']>;
  typing: Mock<Realtime['typing']>;
  markRead: Mock<Realtime['markRead']>;
  watchRooms: Mock<Realtime['watchRooms']>;
  close: Mock<Realtime['close']>;
  /** Every send so far, to be settled by the test as the server would. */
  sends: ScriptedSend[];
  emit<K extends keyof RealtimeEvents>(event: K, payload: RealtimeEvents[K]): void;
}

/**
 * A stand-in for the realtime client with its exact surface. Tests script the server side:
 * `emit` fires an event, `join` answers with `joinedWith`, `send` keeps each send's promise so
 * a test can settle it.
 */
export function createFakeRealtime(joinedWith?: (roomId: string) => ServerFrameOf<'joined'>): FakeRealtime {
  const listeners = new Map<string, Set<Listener>>();
  const sends: ScriptedSend[] = [];
  let counter = 0;
  let currentRoom: string | null = null;

  const fake: FakeRealtime = {
    on<K extends keyof RealtimeEvents>(event: K, listener: (payload: RealtimeEvents[K]) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as Listener);
      listeners.set(event, set);
      return () => set.delete(listener as Listener);
    },
    join: vi.fn(async (target: { roomId: string } | { roomName: string }) => {
      if (!('roomId' in target) || !joinedWith) throw new Error('this fake joins by roomId only');
      const frame = joinedWith(target.roomId);
      currentRoom = frame.room.id;
      fake.emit('joined', frame);
      return frame;
    }),
    leave: vi.fn(() => {
      currentRoom = null;
    }),
    send: vi.fn(
      (body: string, clientMessageId = `c-${++counter}`, attachmentIds: string[] = [], sealed?: SealedMessage) => {
        const done = new Promise<Message>((resolve, reject) =>
          sends.push({ clientMessageId, body, attachmentIds, ...(sealed ? { sealed } : {}), resolve, reject }),
        );
        done.catch(() => {});
        return { clientMessageId, done };
      },
    ),
    typing: vi.fn(),
    markRead: vi.fn(),
    watchRooms: vi.fn(),
    close: vi.fn(),
    status: 'open',
    get roomId() {
      return currentRoom;
    },
    sends,
    emit<K extends keyof RealtimeEvents>(event: K, payload: RealtimeEvents[K]) {
      for (const listener of listeners.get(event) ?? []) (listener as (p: RealtimeEvents[K]) => void)(payload);
    },
  };
  return fake;
}
