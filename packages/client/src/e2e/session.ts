import {
  createDeviceIdentity,
  type DeviceIdentity,
  type DeviceKeys,
  deviceKeysOf,
  type Envelope,
  openEnvelope,
  ReplayGuard,
  sealEnvelope,
  verifyDeviceKeys,
} from '@tandem/crypto';
import type { Message } from '@tandem/protocol';
import type { RealtimeEvents } from '../realtime.ts';
import type { RestClient } from '../rest.ts';
import type { KeyStore, RoomKeys } from './keyStore.ts';
import { isFinal, type Opened, openOne } from './sealing.ts';

/** The REST calls an encrypted room needs (`RestClient` has them; tests pass fakes). */
export type E2EApi = Pick<
  RestClient,
  'publishDevice' | 'roomDevices' | 'requestKey' | 'keyRequests' | 'postEnvelopes' | 'envelopes'
>;

/** Where the secrets live and how the server is reached: the same session code on web and phone. */
export type E2EDeps = { keys: KeyStore; api: E2EApi };

type RoomEvent = 'keyRequest' | 'keyAvailable' | 'joined';
/** Subscribes to one event of the realtime connection; returns the function that stops it. */
export type ListenRealtime = <K extends RoomEvent>(
  event: K,
  listener: (payload: RealtimeEvents[K]) => void,
) => () => void;

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

/** How many times a session asks again after envelopes it could not use. */
const MAX_ASK_AGAIN = 3;

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

const sameKeys = (a: DeviceKeys, b: DeviceKeys) =>
  a.userId === b.userId &&
  a.deviceId === b.deviceId &&
  a.signingKey === b.signingKey &&
  a.exchangeKey === b.exchangeKey;

export type EncryptedRoomOptions = {
  roomId: string;
  userId: string;
  deps: E2EDeps;
  listen: ListenRealtime;
  /** The newest message seq shown, so a key-change notice can be placed after it. */
  latestSeq?: () => number;
  now?: () => Date;
};

/**
 * One device's side of an encrypted room (docs/encryption.md), with no UI framework: its
 * identity, the room keys it holds, the members' devices, asking for the key and waiting for it, answering the
 * others' requests, and every message opened on the device. Nothing polls: pending requests and
 * envelopes are fetched when the room opens (and after each rejoin), then the socket's
 * `keyRequest` and `keyAvailable` events say when to act. The web app and the phone app bind
 * their screens to `state` with `subscribe`.
 */
export class EncryptedRoomSession {
  private readonly options: EncryptedRoomOptions;
  private current: EncryptedRoomState = {
    status: 'loading',
    identity: undefined,
    roomKeys: new Map(),
    devices: new Map(),
    missing: new Set(),
    changedKeys: [],
  };
  private loaded = false;
  private readonly listeners = new Set<() => void>();
  /** Each sealed message opened once (by message id): opening twice would trip the replay guard. */
  private readonly cache = new Map<string, Opened>();
  private readonly guard = new ReplayGuard();
  private fetching: Promise<ReadonlyMap<string, DeviceKeys>> | undefined;
  private readonly askedAbout = new Set<string>();
  /** Bumped by every start and stop: work begun by an older run is dropped. */
  private generation = 0;
  private stopMode: (() => void) | undefined;

  constructor(options: EncryptedRoomOptions) {
    this.options = options;
  }

  get state(): EncryptedRoomState {
    return this.current;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Loads the device and its keys, then asks for the room key or answers the others' requests. */
  start(): void {
    const run = ++this.generation;
    const { deps, roomId, userId } = this.options;
    (async () => {
      const identity = await deviceIdentity(deps, userId);
      const roomKeys = await deps.keys.roomKeys(userId, roomId);
      if (run !== this.generation) return;
      this.loaded = true;
      this.update({ identity, roomKeys });
      this.refreshDevices().catch(() => {});
      this.enterMode(run);
    })().catch(() => {
      if (run === this.generation) this.update({ status: 'error' });
    });
  }

  stop(): void {
    this.generation += 1;
    this.stopMode?.();
    this.stopMode = undefined;
  }

  /**
   * Keeps a room key made on this device (the creator's) or brought by an invite link, and starts
   * answering the others' requests with it.
   */
  async addRoomKey(epoch: number, key: Uint8Array): Promise<void> {
    const { deps, roomId, userId } = this.options;
    await deps.keys.saveRoomKey(userId, roomId, epoch, key);
    this.update({ roomKeys: await deps.keys.roomKeys(userId, roomId) });
    if (this.loaded) this.enterMode(this.generation);
  }

  /**
   * Each sealed message of `messages` opened, or why it cannot be. A message from a device not
   * known yet makes the session fetch the devices once more; still unknown means it cannot be
   * verified.
   */
  open(messages: readonly Message[]): Map<string, Opened> {
    const result = new Map<string, Opened>();
    const { roomKeys, devices, missing } = this.current;
    const ctx = { roomKeys, devices, missing, guard: this.guard };
    const unknown: string[] = [];
    for (const message of messages) {
      if (!message.sealed) continue;
      let value = this.cache.get(message.id);
      if (!value) {
        value = this.loaded ? openOne(message, ctx) : { state: 'pending' };
        if (isFinal(value)) this.cache.set(message.id, value);
        const sender = message.sealed.senderDeviceId;
        if (value.state === 'pending' && this.loaded && !this.askedAbout.has(sender)) unknown.push(sender);
      }
      result.set(message.id, value);
    }
    if (unknown.length > 0) this.lookUpSenders([...new Set(unknown)]);
    return result;
  }

  // ------------------------------------------------------------------ internals

  private update(patch: Partial<EncryptedRoomState>): void {
    const next = { ...this.current, ...patch };
    if (patch.status === undefined && next.status !== 'error' && next.identity) {
      next.status = next.roomKeys.size > 0 ? 'ready' : 'waiting';
    }
    this.current = next;
    for (const listener of [...this.listeners]) listener();
  }

  private lookUpSenders(senders: string[]): void {
    for (const id of senders) this.askedAbout.add(id);
    const run = this.generation;
    this.refreshDevices()
      .then((now) => {
        if (run !== this.generation) return;
        const gone = senders.filter((id) => !now.has(id));
        if (gone.length > 0) this.update({ missing: new Set([...this.current.missing, ...gone]) });
      })
      .catch(() => {
        for (const id of senders) this.askedAbout.delete(id);
      });
  }

  /** The members' devices, each checked against its own signature; notices changed keys. */
  private refreshDevices(): Promise<ReadonlyMap<string, DeviceKeys>> {
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
            ...this.current.changedKeys,
            ...[...new Set(changed)].map((changedUser) => ({ userId: changedUser, at, afterSeq })),
          ];
        }
        this.update(patch);
        return next;
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }

  private enterMode(run: number): void {
    this.stopMode?.();
    this.stopMode = this.current.roomKeys.size > 0 ? this.answerRequests(run) : this.waitForKey(run);
  }

  /**
   * No key: ask the members for one, look once for an envelope (one may have come while the app
   * was closed), then again whenever the socket says one is waiting for this device, and after
   * each rejoin (a reconnect may have missed that news).
   *
   * An envelope is taken only when it is for this room and this device and its sender device is
   * one the room lists for a current member, self-signed (`refreshDevices`), with a signature and
   * ciphertext that hold. Anything else is ignored, and since the server closed the request when
   * that envelope arrived, the device asks again (a few times at most per session) so that a
   * genuine member can still answer.
   */
  private waitForKey(run: number): () => void {
    const { deps, roomId, userId, listen } = this.options;
    const identity = this.current.identity as DeviceIdentity;
    let live = true;
    const ignored = new Set<string>();
    let askedAgain = 0;
    const look = async () => {
      const envelopes = await deps.api.envelopes(roomId, identity.deviceId);
      if (!live || envelopes.length === 0) return;
      let known = this.current.devices;
      if (envelopes.some((e) => !known.has(e.senderDeviceId))) known = await this.refreshDevices();
      const opened = new Map<number, Uint8Array>();
      for (const envelope of envelopes as Envelope[]) {
        const sender = known.get(envelope.senderDeviceId);
        if (!sender || envelope.roomId !== roomId || sender.deviceId === identity.deviceId) continue;
        try {
          opened.set(envelope.epoch, openEnvelope(envelope, identity, sender));
        } catch {
          // Not signed by a member's device, or changed on the way: ignored.
        }
      }
      if (opened.size === 0) {
        const fresh = envelopes.filter((e) => !ignored.has(e.signature));
        for (const e of fresh) ignored.add(e.signature);
        if (fresh.length > 0 && askedAgain < MAX_ASK_AGAIN && live && run === this.generation) {
          askedAgain += 1;
          await deps.api.requestKey(roomId, identity.deviceId).catch(() => {});
        }
        return;
      }
      for (const [epoch, key] of opened) await deps.keys.saveRoomKey(userId, roomId, epoch, key);
      if (!live || run !== this.generation) return;
      this.update({ roomKeys: await deps.keys.roomKeys(userId, roomId) });
      this.enterMode(run);
    };
    // One look at a time; news during a look means one more look after it.
    let looking: Promise<void> | undefined;
    let again = false;
    const lookSoon = () => {
      if (!live) return;
      if (looking) {
        again = true;
        return;
      }
      looking = look()
        .catch(() => {})
        .finally(() => {
          looking = undefined;
          if (live && again) {
            again = false;
            lookSoon();
          }
        });
    };
    const stopAvailable = listen('keyAvailable', (frame) => {
      if (frame.roomId === roomId && frame.recipientDeviceId === identity.deviceId) lookSoon();
    });
    const stopJoined = listen('joined', (frame) => {
      if (frame.room.id === roomId) lookSoon();
    });
    deps.api
      .requestKey(roomId, identity.deviceId)
      .catch(() => {})
      .then(lookSoon);
    return () => {
      live = false;
      stopAvailable();
      stopJoined();
    };
  }

  /**
   * Holding the key: answer the others' requests while the room is open: those pending when it
   * opens (or after a rejoin, which may have missed some), then each one the socket brings. Only
   * a member's device, signed by itself and exactly as the room lists it, gets an envelope. Each
   * device's envelopes go in a POST of their own: another member may have answered it first (the
   * server refuses the later answer with 409), which must not hold up the answers to the others.
   * A device that asks again later (it could not use what it got) is answered again.
   */
  private answerRequests(run: number): () => void {
    const { deps, roomId, listen } = this.options;
    const identity = this.current.identity as DeviceIdentity;
    const answering = new Set<string>();
    let live = true;
    const answer = async (requests: ReadonlyArray<{ device: DeviceKeys }>) => {
      const fresh = requests.filter(
        (r) => r.device.deviceId !== identity.deviceId && !answering.has(r.device.deviceId),
      );
      if (fresh.length === 0 || !live || run !== this.generation) return;
      // Taken now, so a request arriving twice meanwhile is answered once.
      for (const { device } of fresh) answering.add(device.deviceId);
      try {
        const members = await this.refreshDevices();
        await Promise.all(
          fresh.map(async ({ device }) => {
            const listed = members.get(device.deviceId);
            if (!listed || !sameKeys(listed, device) || !verifyDeviceKeys(device)) return;
            const envelopes: Envelope[] = [];
            for (const [epoch, roomKey] of this.current.roomKeys) {
              envelopes.push(sealEnvelope({ roomKey, roomId, epoch, sender: identity, recipient: device }));
            }
            if (envelopes.length > 0 && live) await deps.api.postEnvelopes(roomId, envelopes).catch(() => {});
          }),
        );
      } catch {
        // The devices could not be fetched: the next request or rejoin tries again.
      } finally {
        for (const { device } of fresh) answering.delete(device.deviceId);
      }
    };
    const catchUp = () =>
      deps.api
        .keyRequests(roomId)
        .then(answer)
        .catch(() => {});
    catchUp();
    const stopRequests = listen('keyRequest', (frame) => {
      if (frame.roomId === roomId) answer([frame]).catch(() => {});
    });
    const stopJoined = listen('joined', (frame) => {
      if (frame.room.id !== roomId) return;
      // Look at the members' devices again too, to notice new or changed keys.
      this.refreshDevices().catch(() => {});
      catchUp();
    });
    return () => {
      live = false;
      stopRequests();
      stopJoined();
    };
  }
}
