import { RealtimeError } from '@tandem/client';
import type { Attachment } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { alice, message, ROOM_ID } from '../../test/fixtures.ts';
import { testStore } from '../../test/testStore.ts';
import { sessionEnded } from '../auth/authSlice.ts';
import { retrySend, sendMessage } from './outboxSlice.ts';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('outbox', () => {
  it('shows a message as sending until the server stores it', async () => {
    const { store, realtime } = testStore();
    store.dispatch(sendMessage(ROOM_ID, 'Anyone on for lunch today'));
    expect(realtime.send).toHaveBeenCalledWith('Anyone on for lunch today', undefined, []);
    expect(store.getState().outbox.messages).toMatchObject([{ body: 'Anyone on for lunch today', status: 'sending' }]);
    realtime.sends[0]?.resolve(message(1, alice, 'Anyone on for lunch today'));
    await flush();
    expect(store.getState().outbox.messages).toEqual([]);
  });

  it('marks a refused message failed with the reason, and retries it under the same id', async () => {
    const { store, realtime } = testStore();
    store.dispatch(sendMessage(ROOM_ID, 'hello'));
    const first = realtime.sends[0];
    first?.reject(new RealtimeError('forbidden', 'You are not a member of this room.'));
    await flush();
    expect(store.getState().outbox.messages).toMatchObject([
      { status: 'failed', error: 'You are not a member of this room.' },
    ]);

    store.dispatch(retrySend(first?.clientMessageId ?? ''));
    expect(realtime.send).toHaveBeenLastCalledWith('hello', first?.clientMessageId, []);
    expect(store.getState().outbox.messages).toMatchObject([{ status: 'sending' }]);
    expect(store.getState().outbox.messages[0]).not.toHaveProperty('error');
  });

  it('forgets everything when the session ends', () => {
    const { store } = testStore();
    store.dispatch(sendMessage(ROOM_ID, 'hello'));
    store.dispatch(sessionEnded('Your session has expired.'));
    expect(store.getState().outbox.messages).toEqual([]);
  });

  it('sends a message with files over the socket with their ids, and shows them while it is sent', async () => {
    const menu: Attachment = {
      id: 'att-1',
      url: '/static/a.pdf',
      name: 'menu.pdf',
      size: 1200,
      contentType: 'application/pdf',
    };
    const { store, realtime } = testStore();
    store.dispatch(sendMessage(ROOM_ID, 'The menu', [menu]));
    expect(realtime.send).toHaveBeenCalledWith('The menu', undefined, ['att-1']);
    expect(store.getState().outbox.messages).toMatchObject([
      { body: 'The menu', attachments: [menu], status: 'sending' },
    ]);
    const first = realtime.sends[0];
    first?.reject(new RealtimeError('rate_limited', 'Too many messages. Wait a moment.'));
    await flush();
    expect(store.getState().outbox.messages).toMatchObject([
      { status: 'failed', error: 'Too many messages. Wait a moment.' },
    ]);

    // A retry goes the same way, under the same id and with the same files: the server stores it once.
    store.dispatch(retrySend(first?.clientMessageId ?? ''));
    expect(realtime.send).toHaveBeenLastCalledWith('The menu', first?.clientMessageId, ['att-1']);
    realtime.sends[1]?.resolve({ ...message(3, alice, 'The menu'), attachments: [menu] });
    await flush();
    expect(store.getState().outbox.messages).toEqual([]);
  });
});
