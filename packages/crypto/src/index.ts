export { encodeFields, equalBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.ts';
export { type Envelope, openEnvelope, sealEnvelope } from './envelope.ts';
export { decryptFile, encryptFile } from './files.ts';
export {
  createDeviceIdentity,
  type DeviceIdentity,
  type DeviceKeys,
  deviceKeysOf,
  exportIdentity,
  importIdentity,
  verifyDeviceKeys,
} from './identity.ts';
export { openMessage, pad, ReplayGuard, type SealedMessage, sealMessage, unpad } from './message.ts';
export { type RandomSource, randomBytes, setRandomSource } from './random.ts';
export { safetyCode } from './safety.ts';

import { randomBytes } from './random.ts';

/** A fresh random 32-byte room key: made by the room's creator, never by the server. */
export const generateRoomKey = (): Uint8Array => randomBytes(32);
