import { createDeviceIdentity, deviceKeysOf, generateRoomKey } from '@tandem/crypto';
import { describe, expect, it } from 'vitest';
import { KeyStore, memoryStore } from '../../src/e2e/index.ts';

describe('key store', () => {
  it('keeps a device identity across loads, the same public bundle each time', async () => {
    const keys = new KeyStore(memoryStore());
    expect(await keys.identity('alice')).toBeUndefined();
    const identity = createDeviceIdentity();
    await keys.saveIdentity('alice', identity);
    const loaded = await keys.identity('alice');
    expect(loaded?.deviceId).toBe(identity.deviceId);
    expect(deviceKeysOf(loaded as typeof identity, 'alice').signingKey).toBe(
      deviceKeysOf(identity, 'alice').signingKey,
    );
    expect(deviceKeysOf(loaded as typeof identity, 'alice').exchangeKey).toBe(
      deviceKeysOf(identity, 'alice').exchangeKey,
    );
    // Another person on the same browser has a device of their own.
    expect(await keys.identity('bob')).toBeUndefined();
  });

  it('stores only base64url strings, never raw key objects', async () => {
    const store = memoryStore();
    const keys = new KeyStore(store);
    await keys.saveIdentity('alice', createDeviceIdentity());
    await keys.saveRoomKey('alice', 'room-1', 1, generateRoomKey());
    for (const key of ['identity:alice', 'room:alice:room-1']) {
      const stored = (await store.get(key)) as Record<string, unknown>;
      for (const value of Object.values(stored)) expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('keeps room keys per person, room and epoch', async () => {
    const keys = new KeyStore(memoryStore());
    const one = generateRoomKey();
    const two = generateRoomKey();
    await keys.saveRoomKey('alice', 'room-1', 1, one);
    await keys.saveRoomKey('alice', 'room-1', 2, two);
    const held = await keys.roomKeys('alice', 'room-1');
    expect([...held.keys()]).toEqual([1, 2]);
    expect(held.get(1)).toEqual(one);
    expect(held.get(2)).toEqual(two);
    expect((await keys.roomKeys('alice', 'room-2')).size).toBe(0);
    expect((await keys.roomKeys('bob', 'room-1')).size).toBe(0);
  });

  it('remembers the signing keys seen for each member', async () => {
    const keys = new KeyStore(memoryStore());
    expect(await keys.seenKeys('alice', 'room-1')).toEqual({});
    await keys.saveSeenKeys('alice', 'room-1', { bob: ['k1'] });
    expect(await keys.seenKeys('alice', 'room-1')).toEqual({ bob: ['k1'] });
  });
});
