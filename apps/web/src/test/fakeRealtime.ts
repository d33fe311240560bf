import { FakeRealtime as SharedFakeRealtime } from '@tandem/client/testing';
import type { ServerFrameOf } from '@tandem/protocol';
import { type Mock, vi } from 'vitest';
import type { Realtime } from '../app/services.ts';

/**
 * The shared `FakeRealtime` of `@tandem/client/testing` (the phone app's tests use the same one),
 * with the web app's extras: every method a spy, `watchRooms` and `close` (the lobby's), and a
 * join that the fake server answers at once with `joinedWith`. Tests script the server with the
 * shared helpers: `emit`, `ack` (a send stored), `fail` (a send refused), `setStatus`.
 */
export interface FakeRealtime extends SharedFakeRealtime {
  join: Mock<Realtime['join']>;
  leave: Mock<Realtime['leave']>;
  send: Mock<Realtime['send']>;
  typing: Mock<Realtime['typing']>;
  markRead: Mock<Realtime['markRead']>;
  watchRooms: Mock<Realtime['watchRooms']>;
  close: Mock<Realtime['close']>;
}

export function createFakeRealtime(joinedWith?: (roomId: string) => ServerFrameOf<'joined'>): FakeRealtime {
  const shared = new SharedFakeRealtime();
  const fake = shared as FakeRealtime;
  const base = SharedFakeRealtime.prototype;
  fake.join = vi.fn((target: Parameters<Realtime['join']>[0]) => {
    if (!('roomId' in target) || !joinedWith) return Promise.reject(new Error('this fake joins by roomId only'));
    const answer = base.join.call(shared, target);
    shared.joined(joinedWith(target.roomId));
    return answer;
  });
  fake.leave = vi.fn(() => base.leave.call(shared));
  fake.send = vi.fn((...args: Parameters<Realtime['send']>) => base.send.call(shared, ...args));
  fake.typing = vi.fn((active: boolean) => base.typing.call(shared, active));
  fake.markRead = vi.fn((seq: number) => base.markRead.call(shared, seq));
  fake.watchRooms = vi.fn();
  fake.close = vi.fn();
  return fake;
}
