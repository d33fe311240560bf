import type { PublicUser } from '@tandem/protocol';
import type { Bus } from '../bus/bus.ts';
import { decode, encode, type OnBusRejected, PresenceMessage } from '../bus/protocol.ts';
import type { Clock } from '../clock.ts';

type RoomUsers = Map<string, { user: PublicUser; count: number }>;
type Outgoing = PresenceMessage extends infer M ? (M extends unknown ? Omit<M, 'v'> : never) : never;

export type PresenceChange = (roomId: string, user: PublicUser, action: 'join' | 'leave') => void;

const CHANNEL = 'presence';

/**
 * Who is in which room, across every node. Each node owns the presence of its own sockets and
 * tells the others about changes on the bus; it also sends a heartbeat. A node that stops
 * beating (it died) is forgotten after `nodeTimeoutMs`, and its users leave. Every node turns
 * changes of the merged view into notices for its own sockets, so a notice is never sent twice,
 * and only for real changes: a node's full state replaces what was known of it user by user.
 *
 * Silence is only held against a node while this one could have heard it: not while the bus is
 * down (the others are still there; everyone exchanges state when it is back), and not for the
 * time this process itself was stopped or its event loop blocked (found by a timer that fires
 * late). A node that was away that long announces itself again, as it may have been forgotten.
 */
export class PresenceDirectory {
  private readonly local = new Map<string, RoomUsers>();
  private readonly remote = new Map<string, { lastSeen: number; rooms: Map<string, Map<string, PublicUser>> }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly stallListeners = new Set<(stalledMs: number) => void>();
  /** When the sweep last ran (monotonic), to notice a process that was stopped or blocked. */
  private lastSweep = 0;
  private readonly deps: {
    bus: Bus;
    nodeId: string;
    clock: Clock;
    nodeTimeoutMs: number;
    onChange: PresenceChange;
    /** Hears every bus payload dropped on receipt (bus/protocol.ts). */
    rejected?: OnBusRejected;
  };

  constructor(deps: PresenceDirectory['deps']) {
    this.deps = deps;
  }

  start(): void {
    const { bus, nodeId, nodeTimeoutMs } = this.deps;
    this.unsubscribe = bus.subscribe(CHANNEL, (payload) => {
      const decoded = decode(PresenceMessage, payload);
      if (decoded.ok) this.receive(decoded.message);
      else this.deps.rejected?.(CHANNEL, decoded.rejection);
    });
    bus.onReconnect(() => this.busBack());
    this.announce();
    const beat = setInterval(
      () => this.publish({ t: 'beat', node: nodeId }),
      Math.max(250, Math.floor(nodeTimeoutMs / 3)),
    );
    const sweepMs = Math.max(100, Math.floor(nodeTimeoutMs / 10));
    this.lastSweep = performance.now();
    const sweep = setInterval(() => this.sweep(sweepMs), sweepMs);
    beat.unref();
    sweep.unref();
    this.timers.push(beat, sweep);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.publish({ t: 'bye', node: this.deps.nodeId });
    this.unsubscribe?.();
  }

  /** Hears how long this process was stopped or blocked, when it was long enough to matter. */
  onStalled(listener: (stalledMs: number) => void): void {
    this.stallListeners.add(listener);
  }

  /** A local socket of `user` entered `roomId`. */
  add(roomId: string, user: PublicUser): void {
    const room = this.local.get(roomId) ?? new Map();
    this.local.set(roomId, room);
    const entry = room.get(user.id);
    if (entry) {
      entry.count += 1;
      return;
    }
    const wasPresent = this.isPresent(roomId, user.id);
    room.set(user.id, { user, count: 1 });
    this.publish({ t: 'delta', node: this.deps.nodeId, room: roomId, user, on: true });
    if (!wasPresent) this.deps.onChange(roomId, user, 'join');
  }

  /** A local socket of `user` left `roomId` (or closed). */
  remove(roomId: string, user: PublicUser): void {
    const room = this.local.get(roomId);
    const entry = room?.get(user.id);
    if (!room || !entry) return;
    entry.count -= 1;
    if (entry.count > 0) return;
    room.delete(user.id);
    if (room.size === 0) this.local.delete(roomId);
    this.publish({ t: 'delta', node: this.deps.nodeId, room: roomId, user, on: false });
    if (!this.isPresent(roomId, user.id)) this.deps.onChange(roomId, user, 'leave');
  }

  /** Everyone in the room on any node, each once, by username. */
  present(roomId: string): PublicUser[] {
    const users = new Map<string, PublicUser>();
    for (const { user } of this.local.get(roomId)?.values() ?? []) users.set(user.id, user);
    for (const node of this.remote.values()) {
      for (const user of node.rooms.get(roomId)?.values() ?? []) users.set(user.id, user);
    }
    return [...users.values()].sort((a, b) => a.username.localeCompare(b.username));
  }

  onlineCount(roomId: string): number {
    return this.present(roomId).length;
  }

  isPresent(roomId: string, userId: string): boolean {
    if (this.local.get(roomId)?.has(userId)) return true;
    for (const node of this.remote.values()) if (node.rooms.get(roomId)?.has(userId)) return true;
    return false;
  }

  private publish(message: Outgoing): void {
    this.deps.bus.publish(CHANNEL, encode<PresenceMessage>(message));
  }

  /** Tells the other nodes what this node has, and asks for theirs. */
  private announce(): void {
    this.publish({ t: 'ask', node: this.deps.nodeId });
    this.publishState();
  }

  private publishState(): void {
    const rooms: Record<string, PublicUser[]> = {};
    for (const [roomId, users] of this.local) rooms[roomId] = [...users.values()].map((e) => e.user);
    this.publish({ t: 'state', node: this.deps.nodeId, rooms });
  }

  private receive(message: PresenceMessage): void {
    if (message.node === this.deps.nodeId) return;
    if (message.t === 'bye') {
      this.forgetNode(message.node);
      return;
    }
    if (message.t === 'ask') {
      this.publishState();
      return;
    }
    const known = this.remote.get(message.node);
    const node = known ?? { lastSeen: 0, rooms: new Map<string, Map<string, PublicUser>>() };
    node.lastSeen = this.deps.clock.now();
    if (!known) {
      this.remote.set(message.node, node);
      // A node we had not heard of (we started after it, or missed its state): ask.
      if (message.t !== 'state') this.publish({ t: 'ask', node: this.deps.nodeId });
    }
    if (message.t === 'delta') this.applyDelta(node.rooms, message);
    if (message.t === 'state') this.replaceState(message.node, message.rooms);
  }

  private applyDelta(rooms: Map<string, Map<string, PublicUser>>, delta: Extract<PresenceMessage, { t: 'delta' }>) {
    const before = this.isPresent(delta.room, delta.user.id);
    const users = rooms.get(delta.room) ?? new Map<string, PublicUser>();
    if (delta.on) {
      users.set(delta.user.id, delta.user);
      rooms.set(delta.room, users);
    } else {
      users.delete(delta.user.id);
      if (users.size === 0) rooms.delete(delta.room);
    }
    const after = this.isPresent(delta.room, delta.user.id);
    if (before !== after) this.deps.onChange(delta.room, delta.user, after ? 'join' : 'leave');
  }

  private replaceState(nodeId: string, state: Record<string, PublicUser[]>): void {
    const node = this.remote.get(nodeId);
    if (!node) return;
    const next = new Map<string, Map<string, PublicUser>>();
    for (const [roomId, users] of Object.entries(state)) {
      if (users.length > 0) next.set(roomId, new Map(users.map((user) => [user.id, user])));
    }
    // Only those who came or went are announced, each against the whole view before and after
    // (a user who stayed is not announced again, however often states are exchanged).
    const changed: Array<{ roomId: string; user: PublicUser; before: boolean }> = [];
    const diff = (from: typeof next, to: typeof next) => {
      for (const [roomId, users] of from) {
        for (const user of users.values()) {
          if (!to.get(roomId)?.has(user.id)) changed.push({ roomId, user, before: this.isPresent(roomId, user.id) });
        }
      }
    };
    diff(node.rooms, next);
    diff(next, node.rooms);
    node.rooms = next;
    for (const { roomId, user, before } of changed) {
      const after = this.isPresent(roomId, user.id);
      if (before !== after) this.deps.onChange(roomId, user, after ? 'join' : 'leave');
    }
  }

  private forgetNode(nodeId: string): void {
    const node = this.remote.get(nodeId);
    if (!node) return;
    this.remote.delete(nodeId);
    for (const [roomId, users] of node.rooms) {
      for (const user of users.values()) {
        if (!this.isPresent(roomId, user.id)) this.deps.onChange(roomId, user, 'leave');
      }
    }
  }

  /** The bus is back after an outage: nobody was heard meanwhile, through no fault of theirs. */
  private busBack(): void {
    const now = this.deps.clock.now();
    for (const node of this.remote.values()) node.lastSeen = Math.max(node.lastSeen, now);
    this.announce();
  }

  private sweep(sweepMs: number): void {
    const now = performance.now();
    const stalledMs = now - this.lastSweep - sweepMs;
    this.lastSweep = now;
    // Small delays (GC, a busy moment) are ignored: only a stall that could cost a heartbeat counts.
    if (stalledMs > Math.max(sweepMs, this.deps.nodeTimeoutMs / 4)) {
      // This timer fired late: the process was stopped or blocked, and heard nobody meanwhile
      // (what they sent is still to be read). That time does not count against them.
      for (const node of this.remote.values()) node.lastSeen += stalledMs;
      if (stalledMs >= this.deps.nodeTimeoutMs / 2) {
        // The others may have forgotten this node: tell them what it has, and ask for theirs.
        this.announce();
        for (const listener of this.stallListeners) listener(Math.round(stalledMs));
      }
    }
    if (this.deps.bus.connected()) this.expireSilentNodes();
  }

  private expireSilentNodes(): void {
    const cutoff = this.deps.clock.now() - this.deps.nodeTimeoutMs;
    for (const [nodeId, node] of this.remote) if (node.lastSeen < cutoff) this.forgetNode(nodeId);
  }
}
