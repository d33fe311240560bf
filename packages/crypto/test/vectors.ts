import { sha256 } from '@noble/hashes/sha2.js';
import {
  createDeviceIdentity,
  deviceKeysOf,
  encodeFields,
  sealEnvelope,
  sealMessage,
  setRandomSource,
  toBase64Url,
} from '../src/index.ts';

/**
 * Deterministic inputs for test vectors: a random source that is a SHA-256 counter stream.
 * The same function runs in Node (vitest) and in Chromium (Playwright), and both must produce
 * the same bytes as pinned in crypto.test.ts.
 */
export function vectorOutputs() {
  let counter = 0;
  setRandomSource((length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 32) {
      out.set(sha256(encodeFields(['tandem-test-vectors', String(counter++)])).slice(0, Math.min(32, length - i)), i);
    }
    return out;
  });
  const alice = createDeviceIdentity('alice-device');
  const bob = createDeviceIdentity('bob-device');
  const roomKey = new Uint8Array(32).fill(7);
  const bobKeys = deviceKeysOf(bob, 'bob');
  const envelope = sealEnvelope({ roomKey, roomId: 'room-1', epoch: 1, sender: alice, recipient: bobKeys });
  const message = sealMessage({
    roomKey,
    roomId: 'room-1',
    epoch: 1,
    sender: alice,
    clientMessageId: 'm-1',
    plaintext: 'Anyone on for lunch today',
  });
  return {
    aliceSigningKey: toBase64Url(alice.signingPublicKey),
    bobKeys,
    envelope,
    message,
  };
}
