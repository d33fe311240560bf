import { type DeviceKeys, verifyDeviceKeys } from '@tandem/crypto';
import type { E2EDeps } from './deps.ts';
import type { EncryptedRoomState, SessionState } from './state.ts';

export type RoomDevicesOptions = {
  roomId: string;
  userId: string;
  deps: E2EDeps;
  /** The newest message seq shown, so a key-change notice can be placed after it. */
  latestSeq?: () => number;
  now?: () => Date;
};

/**
 * The members' devices as this device knows them, kept in the session's state: fetched one fetch
 * at a time and each checked against its own signature, the members whose keys changed since this
 * device last saw them, and the senders still unknown after a refetch (`missing`).
 */
export class RoomDevices {
  private readonly options: RoomDevicesOptions;
  private readonly state: SessionState;
  private fetching: Promise<ReadonlyMap<string, DeviceKeys>> | undefined;
  /** Senders the devices were fetched again for: a sender is looked up once (again if that failed). */
  private readonly askedAbout = new Set<string>();

  constructor(options: RoomDevicesOptions, state: SessionState) {
    this.options = options;
    this.state = state;
  }

  /** The devices as last fetched. */
  get known(): ReadonlyMap<string, DeviceKeys> {
    return this.state.current.devices;
  }

  /** The members' devices, each checked against its own signature; notices changed keys. */
  refresh(): Promise<ReadonlyMap<string, DeviceKeys>> {
    this.fetching ??= (async () => {
      try {
        const { deps, roomId, userId } = this.options;
        const list = (await deps.api.roomDevices(roomId)).filter(verifyDeviceKeys);
        const next = new Map(list.map((d) => [d.deviceId, d]));
        // A member with a signing key this device has not seen for them before: their keys changed.
        const seen = await deps.keys.seenKeys(userId, roomId);
        const changed: string[] = [];
        for (const device of list) {
          const known = seen[device.userId];
          if (known && !known.includes(device.signingKey) && device.userId !== userId) changed.push(device.userId);
          seen[device.userId] = [...new Set([...(known ?? []), device.signingKey])];
        }
        await deps.keys.saveSeenKeys(userId, roomId, seen);
        const patch: Partial<EncryptedRoomState> = { devices: next };
        if (changed.length > 0) {
          const at = (this.options.now?.() ?? new Date()).toISOString();
          const afterSeq = this.options.latestSeq?.() ?? 0;
          patch.changedKeys = [
            ...this.state.current.changedKeys,
            ...[...new Set(changed)].map((changedUser) => ({ userId: changedUser, at, afterSeq })),
          ];
        }
        this.state.update(patch);
        return next;
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }

  /**
   * Messages came from devices not known yet (a member's new phone, or one the server never
   * listed): the devices are fetched again, once for each sender, and those still unknown then
   * go in `missing`, unless the session was stopped or started again meanwhile (`isCurrent`).
   */
  lookUp(senders: readonly string[], isCurrent: () => boolean): void {
    const fresh = [...new Set(senders)].filter((id) => !this.askedAbout.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) this.askedAbout.add(id);
    this.refresh()
      .then((now) => {
        if (!isCurrent()) return;
        const gone = fresh.filter((id) => !now.has(id));
        if (gone.length > 0) this.state.update({ missing: new Set([...this.state.current.missing, ...gone]) });
      })
      .catch(() => {
        for (const id of fresh) this.askedAbout.delete(id);
      });
  }
}
