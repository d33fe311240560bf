import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDeviceIdentity,
  decryptFile,
  deviceKeysOf,
  type Envelope,
  encryptFile,
  exportIdentity,
  fromBase64Url,
  generateRoomKey,
  importIdentity,
  openEnvelope,
  openMessage,
  pad,
  ReplayGuard,
  randomBytes,
  type SealedMessage,
  safetyCode,
  sealEnvelope,
  sealMessage,
  setRandomSource,
  toBase64Url,
  unpad,
  verifyDeviceKeys,
} from '../src/index.ts';
import { vectorOutputs } from './vectors.ts';

const webCryptoSource = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length));
afterEach(() => setRandomSource(webCryptoSource));

function setup() {
  const alice = createDeviceIdentity();
  const bob = createDeviceIdentity();
  const aliceKeys = deviceKeysOf(alice, 'alice');
  const bobKeys = deviceKeysOf(bob, 'bob');
  const roomKey = generateRoomKey();
  return { alice, bob, aliceKeys, bobKeys, roomKey };
}

/** Flips one character of a base64url string (still valid base64url). */
const flip = (text: string, at = 0) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

describe('device keys', () => {
  it('are self-signed, and a swapped exchange key breaks the signature', () => {
    const { aliceKeys, bobKeys } = setup();
    expect(verifyDeviceKeys(aliceKeys)).toBe(true);
    expect(verifyDeviceKeys({ ...aliceKeys, exchangeKey: bobKeys.exchangeKey })).toBe(false);
    expect(verifyDeviceKeys({ ...aliceKeys, userId: 'mallory' })).toBe(false);
  });

  it('survive export and import (a refresh keeps access)', () => {
    const { alice } = setup();
    const again = importIdentity(JSON.parse(JSON.stringify(exportIdentity(alice))));
    expect(deviceKeysOf(again, 'alice')).toEqual(deviceKeysOf(alice, 'alice'));
  });
});

describe('envelopes', () => {
  it('give the room key to the recipient device only', () => {
    const { alice, bob, aliceKeys, bobKeys, roomKey } = setup();
    const envelope = sealEnvelope({ roomKey, roomId: 'r1', epoch: 1, sender: alice, recipient: bobKeys });
    expect(openEnvelope(envelope, bob, aliceKeys)).toEqual(roomKey);
    expect(JSON.stringify(envelope)).not.toContain(toBase64Url(roomKey));
    const carol = createDeviceIdentity();
    expect(() => openEnvelope(envelope, carol, aliceKeys)).toThrow('another device');
  });

  it.each([
    ['roomId', (e: Envelope) => ({ ...e, roomId: 'r2' })],
    ['epoch', (e: Envelope) => ({ ...e, epoch: 2 })],
    ['senderDeviceId', (e: Envelope) => ({ ...e, senderDeviceId: 'someone-else' })],
    ['nonce', (e: Envelope) => ({ ...e, nonce: flip(e.nonce) })],
    ['ciphertext', (e: Envelope) => ({ ...e, ciphertext: flip(e.ciphertext, 3) })],
    ['ephemeralKey', (e: Envelope) => ({ ...e, ephemeralKey: flip(e.ephemeralKey) })],
    ['unsigned', (e: Envelope) => ({ ...e, signature: '' })],
  ])('refuse a changed %s', (_field, tamper) => {
    const { alice, bob, aliceKeys, bobKeys, roomKey } = setup();
    const envelope = sealEnvelope({ roomKey, roomId: 'r1', epoch: 1, sender: alice, recipient: bobKeys });
    expect(() => openEnvelope(tamper(envelope), bob, aliceKeys)).toThrow();
  });

  it('refuse an envelope signed by a key that is not the sender’s', () => {
    const { alice, bob, bobKeys, roomKey } = setup();
    const mallory = createDeviceIdentity(alice.deviceId);
    const forged = sealEnvelope({ roomKey, roomId: 'r1', epoch: 1, sender: mallory, recipient: bobKeys });
    expect(() => openEnvelope(forged, bob, deviceKeysOf(alice, 'alice'))).toThrow('signature');
  });
});

describe('messages', () => {
  const seal = (s: ReturnType<typeof setup>, plaintext = 'Anyone on for lunch today', clientMessageId = 'm1') =>
    sealMessage({ roomKey: s.roomKey, roomId: 'r1', epoch: 1, sender: s.alice, clientMessageId, plaintext });

  it('open for anyone with the room key, and show no plaintext', () => {
    const s = setup();
    const sealed = seal(s, 'secret lunch plans 🌮');
    expect(JSON.stringify(sealed)).not.toContain('lunch');
    expect(openMessage(sealed, s.roomKey, s.aliceKeys, new ReplayGuard())).toBe('secret lunch plans 🌮');
  });

  it.each([
    ['roomId', (m: SealedMessage) => ({ ...m, roomId: 'r2' })],
    ['epoch', (m: SealedMessage) => ({ ...m, epoch: 9 })],
    ['senderDeviceId', (m: SealedMessage) => ({ ...m, senderDeviceId: 'other' })],
    ['clientMessageId', (m: SealedMessage) => ({ ...m, clientMessageId: 'm2' })],
    ['nonce', (m: SealedMessage) => ({ ...m, nonce: flip(m.nonce) })],
    ['ciphertext', (m: SealedMessage) => ({ ...m, ciphertext: flip(m.ciphertext, 5) })],
    ['signature', (m: SealedMessage) => ({ ...m, signature: flip(m.signature) })],
  ])('refuse a changed %s', (_field, tamper) => {
    const s = setup();
    expect(() => openMessage(tamper(seal(s)), s.roomKey, s.aliceKeys, new ReplayGuard())).toThrow();
  });

  it('refuse a message re-signed by someone else, even with the right room key', () => {
    const s = setup();
    const forged = sealMessage({
      roomKey: s.roomKey,
      roomId: 'r1',
      epoch: 1,
      sender: createDeviceIdentity(s.alice.deviceId),
      clientMessageId: 'm1',
      plaintext: 'I am alice',
    });
    expect(() => openMessage(forged, s.roomKey, s.aliceKeys, new ReplayGuard())).toThrow('signature');
  });

  it('refuse a replayed message', () => {
    const s = setup();
    const sealed = seal(s);
    const guard = new ReplayGuard();
    openMessage(sealed, s.roomKey, s.aliceKeys, guard);
    expect(() => openMessage(sealed, s.roomKey, s.aliceKeys, guard)).toThrow('replayed');
  });

  it('pad lengths to buckets', () => {
    expect(pad(new Uint8Array(1)).length).toBe(64);
    expect(pad(new Uint8Array(60)).length).toBe(64);
    expect(pad(new Uint8Array(61)).length).toBe(256);
    expect(pad(new Uint8Array(5000)).length).toBe(16_384);
    expect(unpad(pad(new Uint8Array([1, 2, 3])))).toEqual(new Uint8Array([1, 2, 3]));
    const s = setup();
    expect(seal(s, 'a').ciphertext.length).toBe(seal(s, 'a much longer lunch invitation').ciphertext.length);
  });
});

describe('files, safety codes, randomness, encoding', () => {
  it('encrypt files with a key of their own', () => {
    const bytes = randomBytes(1000);
    const { key, nonce, ciphertext } = encryptFile(bytes);
    expect(decryptFile(ciphertext, key, nonce)).toEqual(bytes);
    ciphertext[10] = (ciphertext[10] ?? 0) ^ 1;
    expect(() => decryptFile(ciphertext, key, nonce)).toThrow();
  });

  it('give both people the same safety code, which changes with a key', () => {
    const { aliceKeys, bobKeys } = setup();
    const code = safetyCode(aliceKeys, bobKeys);
    expect(code).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(safetyCode(bobKeys, aliceKeys)).toBe(code);
    const newAlice = deviceKeysOf(createDeviceIdentity(), 'alice');
    expect(safetyCode(newAlice, bobKeys)).not.toBe(code);
  });

  it('fail closed without a cryptographic random source', () => {
    const original = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    setRandomSource(undefined);
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
    try {
      expect(() => randomBytes(32)).toThrow('No cryptographic random source');
      expect(() => createDeviceIdentity()).toThrow('No cryptographic random source');
    } finally {
      if (original) Object.defineProperty(globalThis, 'crypto', original);
    }
  });

  it('round-trip base64url for every length', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = randomBytes(n);
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });
});

describe('test vectors', () => {
  // The same pinned bytes are checked in Chromium by apps/web/e2e/crypto-vectors.spec.ts.
  it('give pinned bytes from fixed keys and nonces', () => {
    const expected = JSON.parse(fs.readFileSync(new URL('./vectors.expected.json', import.meta.url), 'utf8'));
    expect(vectorOutputs()).toEqual(expected);
  });
});
