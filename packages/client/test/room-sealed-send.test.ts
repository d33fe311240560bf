import { createDeviceIdentity, generateRoomKey } from '@tandem/crypto';
import { describe, expect, it } from 'vitest';
import { sealText } from '../src/e2e/sealing.ts';
import { type RoomCrypto, RoomSession } from '../src/room/index.ts';
import { user as alice, FakeRealtime, joinedFrame, message, roomId } from '../src/testing/index.ts';

// Sending in an encrypted room through the shared RoomSession, with real sealing: what goes over
// the socket is the ciphertext and an empty body, never the text — the first time and on retry.

const identity = createDeviceIdentity();
const roomKeys = new Map([[1, generateRoomKey()]]);
const crypto: RoomCrypto = {
  open: () => new Map(),
  subscribe: () => () => {},
  seal: ({ clientMessageId, text }) =>
    sealText({ roomId, roomKeys, identity, clientMessageId, payload: { text, files: [] } }),
};

function encryptedRoom() {
  const realtime = new FakeRealtime();
  const session = new RoomSession({ roomId, userId: alice.id, realtime, crypto });
  session.start();
  const frame = joinedFrame([]);
  realtime.joined({ ...frame, room: { ...frame.room, encrypted: true } });
  return { realtime, session };
}

describe('sending in an encrypted room', () => {
  it('sends only the sealed message, with an empty body, and shows the text locally until stored', () => {
    const { realtime, session } = encryptedRoom();
    const result = session.send('canary secret plans');
    expect(result.ok).toBe(true);
    expect(session.state.pending).toMatchObject([{ body: 'canary secret plans', status: 'sending' }]);
    const [sent] = realtime.sent;
    expect(sent?.body).toBe('');
    expect(sent?.attachmentIds).toEqual([]);
    expect(sent?.sealed?.clientMessageId).toBe(sent?.clientMessageId);
    expect(JSON.stringify(realtime.sent)).not.toContain('canary');

    realtime.ack({
      ...message(1),
      clientMessageId: sent?.clientMessageId ?? '',
      body: '',
      sealed: sent?.sealed ?? null,
    });
    expect(session.state.pending).toEqual([]);
  });

  it('retries a failed one with the same ciphertext and id, never the text', async () => {
    const { realtime, session } = encryptedRoom();
    session.send('hello');
    const first = realtime.sent[0];
    realtime.fail(first?.clientMessageId ?? '', 'unavailable', 'Try again soon.');
    await Promise.resolve();
    expect(session.state.pending).toMatchObject([{ status: 'failed', error: 'Try again soon.' }]);
    session.retry(first?.clientMessageId ?? '');
    expect(realtime.sent).toHaveLength(2);
    const again = realtime.sent[1];
    expect(again?.clientMessageId).toBe(first?.clientMessageId);
    expect(again?.body).toBe('');
    expect(again?.sealed).toEqual(first?.sealed);
    expect(JSON.stringify(realtime.sent)).not.toContain('hello');
    expect(session.state.pending).toMatchObject([{ status: 'sending' }]);
  });

  it('sends nothing while this device cannot seal, says why, and seals on retry once it can', () => {
    const realtime = new FakeRealtime();
    const session = new RoomSession({ roomId, userId: alice.id, realtime });
    session.start();
    const frame = joinedFrame([]);
    realtime.joined({ ...frame, room: { ...frame.room, encrypted: true } });
    const { clientMessageId = '' } = session.send('too early') as { clientMessageId?: string };
    expect(realtime.sent).toEqual([]);
    expect(session.state.pending).toMatchObject([
      { body: 'too early', status: 'failed', error: 'Could not encrypt it.' },
    ]);
    // Still no key: the retry stays failed, and nothing goes.
    session.retry(clientMessageId);
    expect(realtime.sent).toEqual([]);
    // The key arrived: the retry seals it now, under the same id.
    session.setCrypto(crypto);
    session.retry(clientMessageId);
    expect(realtime.sent).toMatchObject([{ clientMessageId, body: '', sealed: { clientMessageId } }]);
    expect(JSON.stringify(realtime.sent)).not.toContain('too early');
    expect(session.state.pending).toMatchObject([{ status: 'sending', sealed: { clientMessageId } }]);
  });
});
