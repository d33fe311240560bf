import { createDeviceIdentity, type DeviceIdentity, deviceKeysOf } from '@tandem/crypto';
import { e2eDeps } from './deps.ts';

const identities = new Map<string, Promise<DeviceIdentity>>();

/**
 * This browser's device for `userId`: made on first use, its private halves kept in the key store,
 * its public bundle (self-signed) published with `PUT /devices/:id` once per page load.
 */
export function deviceIdentity(userId: string): Promise<DeviceIdentity> {
  let identity = identities.get(userId);
  if (!identity) {
    identity = (async () => {
      const { keys, api } = e2eDeps();
      let stored = await keys.identity(userId);
      if (!stored) {
        stored = createDeviceIdentity();
        await keys.saveIdentity(userId, stored);
      }
      await api.publishDevice(deviceKeysOf(stored, userId));
      return stored;
    })();
    identity.catch(() => identities.delete(userId));
    identities.set(userId, identity);
  }
  return identity;
}

/** Tests start each case with no device. */
export function forgetIdentities(): void {
  identities.clear();
}
