import { z } from 'zod';
import { Id, INT32_MAX } from './common.ts';
import { exampleDeviceKeys, exampleRoom } from './examples.ts';

/**
 * End-to-end encrypted rooms (docs/encryption.md): the server stores and relays these opaque
 * values and never holds a room key or a plaintext. All byte strings are base64url without padding.
 */
const B64 = (maxChars: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url')
    .max(maxChars);
const Key32 = B64(43).length(43, 'must be a 32-byte key in base64url');
const Signature = B64(86).length(86, 'must be a 64-byte Ed25519 signature in base64url');
const DeviceId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8–64 URL-safe characters');

/** A device's public keys, bound to its user and id by its own signature. */
export const DeviceKeys = z
  .object({ userId: Id, deviceId: DeviceId, signingKey: Key32, exchangeKey: Key32, signature: Signature })
  .meta({ id: 'DeviceKeys', examples: [exampleDeviceKeys] });
export type DeviceKeys = z.infer<typeof DeviceKeys>;

export const DeviceListResponse = z
  .object({ devices: z.array(DeviceKeys) })
  .meta({ id: 'DeviceList', examples: [{ devices: [exampleDeviceKeys] }] });

const exampleEnvelope = {
  v: 1,
  roomId: exampleRoom.id,
  epoch: 1,
  senderDeviceId: 'Qd8nV3rT0yKp2Lm5',
  recipientDeviceId: exampleDeviceKeys.deviceId,
  ephemeralKey: 'w2Yk9Qe4T1pLx7Nf3Hc6Vb8Rz0Ua5Md2Gj9Ks1Eo4Xt',
  nonce: 'q7Lm2Xp8Rt5Vb7Nc1Fz3k9QwLm2Xp8Rt',
  ciphertext: 'H3k9Lm2Xp8Rt5Vb7Nc1Fz3k9QwLm2Xp8Rt5Vb7Nc1Fz3k9QwLm2Xp8Rt5Vb7Nc1',
  signature: 'oLlvPhb2Dz2wAkMFMddpV6-Ol8EKK9mmOZnudfb9Nnwfhwo3DJMScItBi1Mt8a_G3NkbpsaaXssvlmqdPJlWCA',
} as const;

/** A room key wrapped for one device (X25519 + HKDF + XChaCha20-Poly1305, signed by the sender). */
export const Envelope = z
  .object({
    v: z.literal(1),
    roomId: Id,
    epoch: z.number().int().positive().max(INT32_MAX, `must be at most ${INT32_MAX}`),
    senderDeviceId: DeviceId,
    recipientDeviceId: DeviceId,
    ephemeralKey: Key32,
    nonce: B64(32).length(32, 'must be a 24-byte nonce in base64url'),
    ciphertext: B64(128),
    signature: Signature,
  })
  .meta({ id: 'Envelope', examples: [exampleEnvelope] });
export type Envelope = z.infer<typeof Envelope>;

export const PostEnvelopesRequest = z
  .object({ envelopes: z.array(Envelope).min(1).max(100, 'must hold at most 100 envelopes') })
  .meta({ id: 'PostEnvelopesRequest', examples: [{ envelopes: [exampleEnvelope] }] });
export const EnvelopeListResponse = z
  .object({ envelopes: z.array(Envelope) })
  .meta({ id: 'EnvelopeList', examples: [{ envelopes: [exampleEnvelope] }] });

export const KeyRequestBody = z
  .object({ deviceId: DeviceId })
  .meta({ id: 'KeyRequestBody', examples: [{ deviceId: exampleDeviceKeys.deviceId }] });
export const KeyRequest = z
  .object({ roomId: Id, device: DeviceKeys, createdAt: z.iso.datetime() })
  .meta({ id: 'KeyRequest' });
export type KeyRequest = z.infer<typeof KeyRequest>;
export const KeyRequestListResponse = z.object({ requests: z.array(KeyRequest) }).meta({
  id: 'KeyRequestList',
  examples: [
    { requests: [{ roomId: exampleRoom.id, device: exampleDeviceKeys, createdAt: '2026-11-21T11:31:00.000Z' }] },
  ],
});

/** A message in an encrypted room: header, nonce, ciphertext (the header is its associated data), signature. */
export const SealedMessage = z
  .object({
    v: z.literal(1),
    roomId: Id,
    epoch: z.number().int().positive().max(INT32_MAX, `must be at most ${INT32_MAX}`),
    senderDeviceId: DeviceId,
    clientMessageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    nonce: B64(32).length(32, 'must be a 24-byte nonce in base64url'),
    // 4000 characters of UTF-8 pad to at most 16 KiB; base64url of that plus the tag.
    ciphertext: B64(22_000),
    signature: Signature,
  })
  .meta({ id: 'SealedMessage' });
export type SealedMessage = z.infer<typeof SealedMessage>;
