import { createDeviceIdentity, deviceKeysOf, generateRoomKey, ReplayGuard, toBase64Url } from '@tandem/crypto';
import type { Message } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import {
  decodePayload,
  encodePayload,
  inviteLink,
  keyFromFragment,
  type OpenContext,
  openOne,
  type RoomKeys,
  sealText,
} from '../../src/e2e/index.ts';

const ROOM_ID = 'room-id-0001';
const alice = { id: 'alice-id-0001', username: 'alice', name: 'Alice Liddell', guest: false };
const bob = { id: 'bob-id-00001', username: 'bob', name: null, guest: false };

function message(seq: number, sender: typeof alice | typeof bob, body: string): Message {
  return {
    id: `msg-${seq}`,
    roomId: ROOM_ID,
    seq,
    sender,
    clientMessageId: `cm-${sender.username}-${seq}`,
    body,
    attachments: [],
    sealed: null,
    createdAt: '2026-11-01T10:00:00.000Z',
  };
}

const aliceDevice = createDeviceIdentity();
const aliceKeys = deviceKeysOf(aliceDevice, alice.id);
const roomKey = generateRoomKey();
const roomKeys: RoomKeys = new Map([[1, roomKey]]);

/** Alice's message as the server relays it: an empty body and the sealed text. */
function sealedMessage(text: string, seq = 1, clientMessageId = `cmid-${seq}`): Message {
  const sealed = sealText({
    roomId: ROOM_ID,
    roomKeys,
    identity: aliceDevice,
    clientMessageId,
    payload: { text, files: [] },
  });
  return { ...message(seq, alice, ''), clientMessageId, sealed };
}

const context = (overrides: Partial<OpenContext> = {}): OpenContext => ({
  roomKeys,
  devices: new Map([[aliceKeys.deviceId, aliceKeys]]),
  missing: new Set(),
  guard: new ReplayGuard(),
  ...overrides,
});

describe('sealing and opening messages on a device', () => {
  it('seals the text so that none of it is in what the server gets, and opens it again', () => {
    const m = sealedMessage('canary lunch at noon');
    expect(m.body).toBe('');
    expect(JSON.stringify(m)).not.toContain('canary');
    expect(openOne(m, context())).toEqual({ state: 'open', payload: { text: 'canary lunch at noon', files: [] } });
  });

  it('says why a message cannot be read instead of showing its ciphertext', () => {
    const m = sealedMessage('hello');
    expect(openOne(m, context({ roomKeys: new Map() }))).toEqual({ state: 'no-key' });
    expect(openOne(m, context({ roomKeys: new Map([[2, generateRoomKey()]]) }))).toEqual({ state: 'before-join' });
    expect(openOne(m, context({ devices: new Map() }))).toEqual({ state: 'pending' });
    expect(openOne(m, context({ devices: new Map(), missing: new Set([aliceKeys.deviceId]) }))).toEqual({
      state: 'invalid',
    });
  });

  it('refuses a changed ciphertext, a wrong key, a replay and a sender who is someone else', () => {
    const m = sealedMessage('hello');
    const sealed = m.sealed as NonNullable<Message['sealed']>;
    const flipped = `${sealed.ciphertext.startsWith('A') ? 'B' : 'A'}${sealed.ciphertext.slice(1)}`;
    expect(openOne({ ...m, sealed: { ...sealed, ciphertext: flipped } }, context())).toEqual({ state: 'invalid' });
    expect(openOne(m, context({ roomKeys: new Map([[1, generateRoomKey()]]) }))).toEqual({ state: 'invalid' });
    // The server says Bob sent it, but it is signed by Alice's device.
    expect(openOne({ ...m, sender: bob }, context())).toEqual({ state: 'invalid' });
    const guard = new ReplayGuard();
    expect(openOne(m, context({ guard })).state).toBe('open');
    expect(openOne({ ...m, id: 'another-id', seq: 2 }, context({ guard }))).toEqual({ state: 'invalid' });
  });

  it('carries text and file keys as JSON, and shows anything else as text', () => {
    const file = { id: 'f1', key: 'k'.repeat(43), nonce: 'n'.repeat(32), name: 'a.png', type: 'image/png', size: 3 };
    expect(decodePayload(encodePayload({ text: 'hi', files: [file] }))).toEqual({ text: 'hi', files: [file] });
    expect(decodePayload('plain words')).toEqual({ text: 'plain words', files: [] });
  });
});

describe('invite links', () => {
  it('carry the room key in the fragment only, and read back the same key', () => {
    const link = inviteLink('https://tandem.test', ROOM_ID, roomKeys) as string;
    expect(link).toBe(`https://tandem.test/join/${ROOM_ID}#k=${toBase64Url(roomKey)}`);
    expect(keyFromFragment(new URL(link).hash)).toEqual({ key: roomKey, epoch: 1 });
    expect(inviteLink('https://tandem.test', ROOM_ID, new Map())).toBeUndefined();
  });

  it('refuse a missing or malformed key', () => {
    expect(keyFromFragment('')).toBeUndefined();
    expect(keyFromFragment('#k=short')).toBeUndefined();
    expect(keyFromFragment('#k=!!!')).toBeUndefined();
    expect(keyFromFragment(`#k=${toBase64Url(roomKey)}&e=0`)).toBeUndefined();
  });
});
