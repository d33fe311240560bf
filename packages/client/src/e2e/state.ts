import type { DeviceIdentity, DeviceKeys } from '@tandem/crypto';
import type { RoomKeys } from './keyStore.ts';

export type KeyChange = { userId: string; at: string; afterSeq: number };

export type EncryptedRoomState = {
  /** loading: reading the device and keys; waiting: no key yet (asked for one); ready: can read and send. */
  status: 'loading' | 'waiting' | 'ready' | 'error';
  identity: DeviceIdentity | undefined;
  roomKeys: RoomKeys;
  devices: ReadonlyMap<string, DeviceKeys>;
  /** Devices asked for after a refetch and still unknown: their messages cannot be verified. */
  missing: ReadonlySet<string>;
  /** Members whose device keys changed since this device last saw them, and when that was noticed. */
  changedKeys: KeyChange[];
};

/**
 * An encrypted room's state and who listens to it. The state is replaced on every change, and
 * its `status` follows from the rest unless a patch says otherwise: once the device is known it
 * is ready with a room key and waiting without one, and an error stays an error.
 */
export class SessionState {
  private state: EncryptedRoomState = {
    status: 'loading',
    identity: undefined,
    roomKeys: new Map(),
    devices: new Map(),
    missing: new Set(),
    changedKeys: [],
  };
  private readonly listeners = new Set<() => void>();

  get current(): EncryptedRoomState {
    return this.state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  update(patch: Partial<EncryptedRoomState>): void {
    const next = { ...this.state, ...patch };
    if (patch.status === undefined && next.status !== 'error' && next.identity) {
      next.status = next.roomKeys.size > 0 ? 'ready' : 'waiting';
    }
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }
}
