import { type DeviceIdentity, exportIdentity, fromBase64Url, importIdentity, toBase64Url } from '@tandem/crypto';

/**
 * Where a device keeps its end-to-end secrets: its private keys and the room keys it was given.
 * Never the server: IndexedDB in the browser, the platform's secure store on a phone, a Map in tests.
 */
export type KeyValueStore = {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
};

export function memoryStore(): KeyValueStore {
  const values = new Map<string, unknown>();
  return {
    get: async (key) => structuredClone(values.get(key)),
    set: async (key, value) => {
      values.set(key, structuredClone(value));
    },
  };
}

/** Room keys by epoch. */
export type RoomKeys = Map<number, Uint8Array>;

/** The device identity of `userId` on this device and the room keys it holds. */
export class KeyStore {
  private readonly store: KeyValueStore;
  constructor(store: KeyValueStore) {
    this.store = store;
  }

  async identity(userId: string): Promise<DeviceIdentity | undefined> {
    const stored = (await this.store.get(`identity:${userId}`)) as Record<string, string> | undefined;
    return stored ? importIdentity(stored) : undefined;
  }

  async saveIdentity(userId: string, identity: DeviceIdentity): Promise<void> {
    await this.store.set(`identity:${userId}`, exportIdentity(identity));
  }

  async roomKeys(userId: string, roomId: string): Promise<RoomKeys> {
    const stored = ((await this.store.get(`room:${userId}:${roomId}`)) ?? {}) as Record<string, string>;
    return new Map(Object.entries(stored).map(([epoch, key]) => [Number(epoch), fromBase64Url(key)]));
  }

  async saveRoomKey(userId: string, roomId: string, epoch: number, key: Uint8Array): Promise<void> {
    const stored = ((await this.store.get(`room:${userId}:${roomId}`)) ?? {}) as Record<string, string>;
    await this.store.set(`room:${userId}:${roomId}`, { ...stored, [epoch]: toBase64Url(key) });
  }

  /** The signing keys seen for each member of a room, to notice when one changes. */
  async seenKeys(userId: string, roomId: string): Promise<Record<string, string[]>> {
    return ((await this.store.get(`seen:${userId}:${roomId}`)) ?? {}) as Record<string, string[]>;
  }

  async saveSeenKeys(userId: string, roomId: string, seen: Record<string, string[]>): Promise<void> {
    await this.store.set(`seen:${userId}:${roomId}`, seen);
  }
}
