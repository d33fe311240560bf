import { type DeviceIdentity, ReplayGuard } from '@tandem/crypto';
import type { Message } from '@tandem/protocol';
import { answerRequests } from './answering.ts';
import type { E2EDeps, ListenRealtime, ModeContext } from './deps.ts';
import { RoomDevices } from './devices.ts';
import { deviceIdentity } from './identity.ts';
import { isFinal, type Opened, openOne } from './sealing.ts';
import { type EncryptedRoomState, SessionState } from './state.ts';
import { waitForKey } from './waiting.ts';

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
 *
 * The parts are its collaborators: `SessionState` (state.ts) holds the state, `RoomDevices`
 * (devices.ts) the members' devices, and the session is always in one of two modes, waiting for
 * a key (waiting.ts) or answering the others' requests with the keys it holds (answering.ts).
 * What stays here is the run: loading, which mode, and opening messages.
 */
export class EncryptedRoomSession {
  private readonly options: EncryptedRoomOptions;
  private readonly store = new SessionState();
  private readonly devices: RoomDevices;
  private loaded = false;
  /** Each sealed message opened once (by message id): opening twice would trip the replay guard. */
  private readonly cache = new Map<string, Opened>();
  private readonly guard = new ReplayGuard();
  /** Bumped by every start and stop: work begun by an older run is dropped. */
  private generation = 0;
  private stopMode: (() => void) | undefined;

  constructor(options: EncryptedRoomOptions) {
    this.options = options;
    this.devices = new RoomDevices(options, this.store);
  }

  get state(): EncryptedRoomState {
    return this.store.current;
  }

  subscribe = (listener: () => void): (() => void) => this.store.subscribe(listener);

  /** Loads the device and its keys, then asks for the room key or answers the others' requests. */
  start(): void {
    const run = ++this.generation;
    const { deps, roomId, userId } = this.options;
    (async () => {
      const identity = await deviceIdentity(deps, userId);
      const roomKeys = await deps.keys.roomKeys(userId, roomId);
      if (run !== this.generation) return;
      this.loaded = true;
      this.store.update({ identity, roomKeys });
      this.devices.refresh().catch(() => {});
      this.enterMode(run);
    })().catch(() => {
      if (run === this.generation) this.store.update({ status: 'error' });
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
    await this.reloadKeys();
    if (this.loaded) this.enterMode(this.generation);
  }

  /**
   * Each sealed message of `messages` opened, or why it cannot be. A message from a device not
   * known yet makes the session fetch the devices once more; still unknown means it cannot be
   * verified.
   */
  open(messages: readonly Message[]): Map<string, Opened> {
    const result = new Map<string, Opened>();
    const { roomKeys, devices, missing } = this.store.current;
    const ctx = { roomKeys, devices, missing, guard: this.guard };
    const unknown: string[] = [];
    for (const message of messages) {
      if (!message.sealed) continue;
      let value = this.cache.get(message.id);
      if (!value) {
        value = this.loaded ? openOne(message, ctx) : { state: 'pending' };
        if (isFinal(value)) this.cache.set(message.id, value);
        if (value.state === 'pending' && this.loaded) unknown.push(message.sealed.senderDeviceId);
      }
      result.set(message.id, value);
    }
    if (unknown.length > 0) this.devices.lookUp(unknown, this.isCurrent(this.generation));
    return result;
  }

  // ------------------------------------------------------------------ internals

  /** Whether `run` is still the session's run: no stop or start since. */
  private isCurrent(run: number): () => boolean {
    return () => run === this.generation;
  }

  /** Reads the room keys again from the key store (one was just saved). */
  private async reloadKeys(): Promise<void> {
    const { deps, roomId, userId } = this.options;
    this.store.update({ roomKeys: await deps.keys.roomKeys(userId, roomId) });
  }

  /** Ends the mode the session is in and enters the one its keys call for. */
  private enterMode(run: number): void {
    this.stopMode?.();
    const { roomId, userId, deps, listen } = this.options;
    const ctx: ModeContext = {
      roomId,
      userId,
      deps,
      listen,
      identity: this.store.current.identity as DeviceIdentity,
      knownDevices: () => this.devices.known,
      refreshDevices: () => this.devices.refresh(),
      isCurrent: this.isCurrent(run),
    };
    this.stopMode =
      this.store.current.roomKeys.size > 0
        ? answerRequests(ctx, () => this.store.current.roomKeys)
        : waitForKey(ctx, async () => {
            await this.reloadKeys();
            this.enterMode(run);
          });
  }
}
