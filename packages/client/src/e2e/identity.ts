import { createDeviceIdentity, type DeviceIdentity, deviceKeysOf } from '@tandem/crypto';
import type { E2EDeps } from './deps.ts';

/** One identity per user and per set of deps, so that every room of an app start shares it. */
const identities = new WeakMap<E2EDeps, Map<string, Promise<DeviceIdentity>>>();

/**
 * This device's identity for `userId`: made on first use, its private halves kept in the key
 * store, its public bundle (self-signed) published with `PUT /devices/:id` once per app start.
 */
export function deviceIdentity(deps: E2EDeps, userId: string): Promise<DeviceIdentity> {
  let byUser = identities.get(deps);
  if (!byUser) {
    byUser = new Map();
    identities.set(deps, byUser);
  }
  let identity = byUser.get(userId);
  if (!identity) {
    const memo = byUser;
    identity = (async () => {
      let stored = await deps.keys.identity(userId);
      if (!stored) {
        stored = createDeviceIdentity();
        await deps.keys.saveIdentity(userId, stored);
      }
      await deps.api.publishDevice(deviceKeysOf(stored, userId));
      return stored;
    })();
    identity.catch(() => memo.delete(userId));
    memo.set(userId, identity);
  }
  return identity;
}
