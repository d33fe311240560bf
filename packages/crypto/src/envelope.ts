import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeFields, fromBase64Url, toBase64Url, utf8 } from './bytes.ts';
import type { DeviceIdentity, DeviceKeys } from './identity.ts';
import { verifyDeviceKeys } from './identity.ts';
import { randomBytes } from './random.ts';

/** A room key wrapped for one device. The server stores it by (room, epoch, device). */
export type Envelope = {
  v: 1;
  roomId: string;
  epoch: number;
  senderDeviceId: string;
  recipientDeviceId: string;
  ephemeralKey: string;
  nonce: string;
  ciphertext: string;
  signature: string;
};

const associatedData = (e: Pick<Envelope, 'roomId' | 'epoch' | 'recipientDeviceId' | 'senderDeviceId'>) =>
  encodeFields(['tandem-envelope-v1', e.roomId, String(e.epoch), e.recipientDeviceId, e.senderDeviceId]);

const wrappingKey = (shared: Uint8Array, ephemeral: Uint8Array, recipientExchangeKey: Uint8Array) =>
  hkdf(sha256, shared, encodeFields([ephemeral, recipientExchangeKey]), utf8('tandem/envelope/v1'), 32);

const signedPart = (e: Envelope) => encodeFields([associatedData(e), e.ephemeralKey, e.nonce, e.ciphertext]);

/**
 * Wraps `roomKey` for `recipient`: an ephemeral X25519 key agreement, HKDF-SHA256, then
 * XChaCha20-Poly1305 with the room, epoch, recipient and sender as associated data; the sender
 * signs the whole envelope with its Ed25519 key.
 */
export function sealEnvelope(input: {
  roomKey: Uint8Array;
  roomId: string;
  epoch: number;
  sender: DeviceIdentity;
  recipient: DeviceKeys;
}): Envelope {
  if (!verifyDeviceKeys(input.recipient)) throw new Error('recipient keys are not self-signed');
  const ephemeralSecret = randomBytes(32);
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  const recipientExchange = fromBase64Url(input.recipient.exchangeKey);
  const key = wrappingKey(x25519.getSharedSecret(ephemeralSecret, recipientExchange), ephemeral, recipientExchange);
  const nonce = randomBytes(24);
  const header = {
    roomId: input.roomId,
    epoch: input.epoch,
    recipientDeviceId: input.recipient.deviceId,
    senderDeviceId: input.sender.deviceId,
  };
  const ciphertext = xchacha20poly1305(key, nonce, associatedData(header)).encrypt(input.roomKey);
  const envelope: Envelope = {
    v: 1,
    ...header,
    ephemeralKey: toBase64Url(ephemeral),
    nonce: toBase64Url(nonce),
    ciphertext: toBase64Url(ciphertext),
    signature: '',
  };
  envelope.signature = toBase64Url(ed25519.sign(signedPart(envelope), input.sender.signingSecretKey));
  return envelope;
}

/**
 * Opens an envelope addressed to `recipient`. `senderKeys` must be the keys of the device the
 * envelope says sent it (checked), verified as a member's by the caller. Throws when the
 * signature, any associated-data field, the nonce or the ciphertext was changed.
 */
export function openEnvelope(envelope: Envelope, recipient: DeviceIdentity, senderKeys: DeviceKeys): Uint8Array {
  if (envelope.v !== 1) throw new Error('unknown envelope version');
  if (envelope.recipientDeviceId !== recipient.deviceId) throw new Error('envelope is for another device');
  if (envelope.senderDeviceId !== senderKeys.deviceId || !verifyDeviceKeys(senderKeys)) {
    throw new Error('envelope sender keys do not match');
  }
  const signature = fromBase64Url(envelope.signature);
  if (!ed25519.verify(signature, signedPart(envelope), fromBase64Url(senderKeys.signingKey))) {
    throw new Error('envelope signature is invalid');
  }
  const ephemeral = fromBase64Url(envelope.ephemeralKey);
  const key = wrappingKey(
    x25519.getSharedSecret(recipient.exchangeSecretKey, ephemeral),
    ephemeral,
    recipient.exchangePublicKey,
  );
  return xchacha20poly1305(key, fromBase64Url(envelope.nonce), associatedData(envelope)).decrypt(
    fromBase64Url(envelope.ciphertext),
  );
}
