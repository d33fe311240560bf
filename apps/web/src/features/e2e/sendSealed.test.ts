import { RealtimeError } from '@tandem/client';
import { sealText } from '@tandem/client/e2e';
import { createDeviceIdentity, generateRoomKey } from '@tandem/crypto';
import { describe, expect, it } from 'vitest';
import { alice, message, ROOM_ID } from '../../test/fixtures.ts';
import { testStore } from '../../test/testStore.ts';
import { retrySend, sendSealedMessage } from '../chat/outboxSlice.ts';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const identity = createDeviceIdentity();
const roomKeys = new Map([[1, generateRoomKey()]]);
const seal = (text: string) => (clientMessageId: string) =>
  sealText({ roomId: ROOM_ID, roomKeys, identity, clientMessageId, payload: { text, files: [] } });

describe('sending in an encrypted room', () => {
  it('sends only the sealed message over the socket, with an empty body, and shows the text locally', async () => {
    const posts: unknown[] = [];
    const { store, realtime } = testStore(({ body }) => {
      posts.push(body);
      return { status: 404 };
    });
    store.dispatch(sendSealedMessage(ROOM_ID, 'canary secret plans', seal('canary secret plans')));
    expect(store.getState().outbox.messages).toMatchObject([{ body: 'canary secret plans', status: 'sending' }]);
    await flush();
    expect(posts).toHaveLength(0);
    expect(realtime.sends).toHaveLength(1);
    const sent = realtime.sends[0];
    expect(sent?.body).toBe('');
    expect(sent?.attachmentIds).toEqual([]);
    expect(sent?.sealed?.clientMessageId).toBe(sent?.clientMessageId);
    expect(JSON.stringify({ ...sent, resolve: undefined, reject: undefined })).not.toContain('canary');

    // The server stores it: it leaves the outbox (the room's timeline shows it).
    sent?.resolve({ ...message(1, alice, ''), clientMessageId: sent.clientMessageId, sealed: sent.sealed ?? null });
    await flush();
    expect(store.getState().outbox.messages).toEqual([]);
  });

  it('retries a failed one with the same sealed message and id, never the text', async () => {
    const { store, realtime } = testStore();
    store.dispatch(sendSealedMessage(ROOM_ID, 'hello', seal('hello')));
    realtime.sends[0]?.reject(new RealtimeError('unavailable', 'Try again soon.'));
    await flush();
    expect(store.getState().outbox.messages).toMatchObject([{ status: 'failed', error: 'Try again soon.' }]);
    store.dispatch(retrySend(store.getState().outbox.messages[0]?.clientMessageId ?? ''));
    await flush();
    expect(realtime.sends).toHaveLength(2);
    const [first, again] = realtime.sends;
    expect(again?.clientMessageId).toBe(first?.clientMessageId);
    expect(again?.body).toBe('');
    expect(again?.sealed).toEqual(first?.sealed);
    expect(realtime.send).not.toHaveBeenCalledWith('hello', expect.anything(), expect.anything());
    expect(store.getState().outbox.messages).toMatchObject([{ status: 'sending' }]);
  });
});
