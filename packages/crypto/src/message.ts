import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { encodeFields, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.ts';
import type { DeviceIdentity, DeviceKeys } from './identity.ts';
import { randomBytes } from './random.ts';

/** What the server stores and relays for a message in an encrypted room: no plaintext, no key. */
export type SealedMessage = {
  v: 1;
  roomId: string;
  epoch: number;
  senderDeviceId: string;
  clientMessageId: string;
  nonce: string;
  ciphertext: string;
  signature: string;
};

/** Padded lengths hide a message's exact size: the smallest bucket that fits is used. */
const BUCKETS = [64, 256, 1024, 4096, 16_384, 65_536];

export function pad(plaintext: Uint8Array): Uint8Array {
  const needed = plaintext.length + 4;
  const size = BUCKETS.find((b) => b >= needed) ?? Math.ceil(needed / 65_536) * 65_536;
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, plaintext.length);
  out.set(plaintext, 4);
  return out;
}

export function unpad(padded: Uint8Array): Uint8Array {
  const length = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0);
  if (length > padded.length - 4) throw new Error('bad padding');
  return padded.slice(4, 4 + length);
}

const headerOf = (m: Pick<SealedMessage, 'roomId' | 'epoch' | 'senderDeviceId' | 'clientMessageId'>) =>
  encodeFields(['tandem-message-v1', m.roomId, String(m.epoch), m.senderDeviceId, m.clientMessageId]);

const signedPart = (m: SealedMessage) => encodeFields([headerOf(m), m.nonce, m.ciphertext]);

/** Encrypts with the room key (header as associated data) and signs with the device key. */
export function sealMessage(input: {
  roomKey: Uint8Array;
  roomId: string;
  epoch: number;
  sender: DeviceIdentity;
  clientMessageId: string;
  plaintext: string;
}): SealedMessage {
  const nonce = randomBytes(24);
  const header = {
    roomId: input.roomId,
    epoch: input.epoch,
    senderDeviceId: input.sender.deviceId,
    clientMessageId: input.clientMessageId,
  };
  const ciphertext = xchacha20poly1305(input.roomKey, nonce, headerOf(header)).encrypt(pad(utf8(input.plaintext)));
  const sealed: SealedMessage = {
    v: 1,
    ...header,
    nonce: toBase64Url(nonce),
    ciphertext: toBase64Url(ciphertext),
    signature: '',
  };
  sealed.signature = toBase64Url(ed25519.sign(signedPart(sealed), input.sender.signingSecretKey));
  return sealed;
}

/**
 * Remembers which (sender device, message id) pairs were opened, so that a message replayed by
 * the server (or anyone) is refused the second time.
 */
export class ReplayGuard {
  private readonly seen = new Set<string>();
  check(senderDeviceId: string, clientMessageId: string): void {
    const key = `${senderDeviceId}\n${clientMessageId}`;
    if (this.seen.has(key)) throw new Error('replayed message');
    this.seen.add(key);
  }
}

/** Verifies the sender's signature, decrypts, and refuses replays. Throws on any tampering. */
export function openMessage(
  sealed: SealedMessage,
  roomKey: Uint8Array,
  senderKeys: DeviceKeys,
  replays: ReplayGuard,
): string {
  if (sealed.v !== 1) throw new Error('unknown message version');
  if (sealed.senderDeviceId !== senderKeys.deviceId) throw new Error('message sender keys do not match');
  if (!ed25519.verify(fromBase64Url(sealed.signature), signedPart(sealed), fromBase64Url(senderKeys.signingKey))) {
    throw new Error('message signature is invalid');
  }
  const padded = xchacha20poly1305(roomKey, fromBase64Url(sealed.nonce), headerOf(sealed)).decrypt(
    fromBase64Url(sealed.ciphertext),
  );
  replays.check(sealed.senderDeviceId, sealed.clientMessageId);
  return fromUtf8(unpad(padded));
}
