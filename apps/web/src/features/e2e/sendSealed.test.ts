import { createDeviceIdentity, generateRoomKey } from '@tandem/crypto';
import type { Message } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { alice, message, ROOM_ID } from '../../test/fixtures.ts';
import { testStore } from '../../test/testStore.ts';
import { retrySend, sendSealedMessage } from '../chat/outboxSlice.ts';
import { sealText } from './sealing.ts';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const identity = createDeviceIdentity();
const roomKeys = new Map([[1, generateRoomKey()]]);
const seal = (text: string) => (clientMessageId: string) =>
  sealText({ roomId: ROOM_ID, roomKeys, identity, clientMessageId, payload: { text, files: [] } });

describe('sending in an encrypted room', () => {
  it('posts only the sealed message over REST, with an empty body, and shows the text locally', async () => {
    const posts: Array<{ path: string; body: unknown }> = [];
    const { store, realtime } = testStore(({ method, path, body }) => {
      if (method !== 'POST') return { status: 404 };
      posts.push({ path, body });
      const sent = body as { clientMessageId: string; sealed: Message['sealed'] };
      return {
        status: 201,
        body: { ...message(1, alice, ''), clientMessageId: sent.clientMessageId, sealed: sent.sealed },
      };
    });
    store.dispatch(sendSealedMessage(ROOM_ID, 'canary secret plans', seal('canary secret plans')));
    expect(store.getState().outbox.messages).toMatchObject([{ body: 'canary secret plans', status: 'sending' }]);
    await flush();
    expect(realtime.send).not.toHaveBeenCalled();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.path).toBe(`/rooms/${ROOM_ID}/messages`);
    expect(JSON.stringify(posts[0]?.body)).not.toContain('canary');
    const sent = posts[0]?.body as { clientMessageId: string; body: string; sealed: { clientMessageId: string } };
    expect(sent.body).toBe('');
    expect(sent.sealed.clientMessageId).toBe(sent.clientMessageId);

    // The socket brings it back: it leaves the outbox.
    realtime.emit('message', { ...message(1, alice, ''), clientMessageId: sent.clientMessageId });
    await flush();
    expect(store.getState().outbox.messages).toEqual([]);
  });

  it('retries a failed one with the same sealed message, never the text', async () => {
    const posts: unknown[] = [];
    let fail = true;
    const { store, realtime } = testStore(({ body }) => {
      posts.push(body);
      return fail
        ? { status: 503, body: { error: { code: 'unavailable', message: 'Try again soon.' } } }
        : { status: 201, body: message(1, alice, '') };
    });
    store.dispatch(sendSealedMessage(ROOM_ID, 'hello', seal('hello')));
    await flush();
    await flush();
    expect(store.getState().outbox.messages).toMatchObject([{ status: 'failed', error: 'Try again soon.' }]);
    fail = false;
    store.dispatch(retrySend(store.getState().outbox.messages[0]?.clientMessageId ?? ''));
    await flush();
    expect(posts).toHaveLength(2);
    expect(posts[1]).toEqual(posts[0]);
    expect(realtime.send).not.toHaveBeenCalled();
  });
});
