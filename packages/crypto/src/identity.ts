import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { encodeFields, fromBase64Url, toBase64Url } from './bytes.ts';
import { randomBytes } from './random.ts';

/** A device's own keys. The secret halves never leave the device (IndexedDB, secure store). */
export type DeviceIdentity = {
  deviceId: string;
  signingSecretKey: Uint8Array;
  signingPublicKey: Uint8Array;
  exchangeSecretKey: Uint8Array;
  exchangePublicKey: Uint8Array;
};

/**
 * What a device publishes: its public keys, bound to its user and device id by its own
 * signature, so the server cannot swap the exchange key without breaking the signature.
 */
export type DeviceKeys = {
  userId: string;
  deviceId: string;
  signingKey: string;
  exchangeKey: string;
  signature: string;
};

const bindingOf = (userId: string, deviceId: string, signingKey: string, exchangeKey: string) =>
  encodeFields(['tandem-device-v1', userId, deviceId, signingKey, exchangeKey]);

export function createDeviceIdentity(deviceId: string = toBase64Url(randomBytes(16))): DeviceIdentity {
  const signingSecretKey = randomBytes(32);
  const exchangeSecretKey = randomBytes(32);
  return {
    deviceId,
    signingSecretKey,
    signingPublicKey: ed25519.getPublicKey(signingSecretKey),
    exchangeSecretKey,
    exchangePublicKey: x25519.getPublicKey(exchangeSecretKey),
  };
}

export function deviceKeysOf(identity: DeviceIdentity, userId: string): DeviceKeys {
  const signingKey = toBase64Url(identity.signingPublicKey);
  const exchangeKey = toBase64Url(identity.exchangePublicKey);
  const signature = ed25519.sign(
    bindingOf(userId, identity.deviceId, signingKey, exchangeKey),
    identity.signingSecretKey,
  );
  return { userId, deviceId: identity.deviceId, signingKey, exchangeKey, signature: toBase64Url(signature) };
}

/** True when the bundle is signed by its own signing key (it was made by that device). */
export function verifyDeviceKeys(keys: DeviceKeys): boolean {
  try {
    return ed25519.verify(
      fromBase64Url(keys.signature),
      bindingOf(keys.userId, keys.deviceId, keys.signingKey, keys.exchangeKey),
      fromBase64Url(keys.signingKey),
    );
  } catch {
    return false;
  }
}

/** For storage on the device: a plain object of base64url strings. */
export function exportIdentity(identity: DeviceIdentity): Record<string, string> {
  return {
    deviceId: identity.deviceId,
    signingSecretKey: toBase64Url(identity.signingSecretKey),
    exchangeSecretKey: toBase64Url(identity.exchangeSecretKey),
  };
}

export function importIdentity(stored: Record<string, string>): DeviceIdentity {
  const { deviceId, signingSecretKey, exchangeSecretKey } = stored;
  if (!deviceId || !signingSecretKey || !exchangeSecretKey) throw new Error('incomplete stored identity');
  const signing = fromBase64Url(signingSecretKey);
  const exchange = fromBase64Url(exchangeSecretKey);
  return {
    deviceId,
    signingSecretKey: signing,
    signingPublicKey: ed25519.getPublicKey(signing),
    exchangeSecretKey: exchange,
    exchangePublicKey: x25519.getPublicKey(exchange),
  };
}
