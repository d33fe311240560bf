import type { Bus } from '../bus/bus.ts';
import { decode, encode, LobbyMessage, type OnBusRejected } from '../bus/protocol.ts';
import type { Connection } from './connection.ts';

type Activity = { latestSeq?: number; lastActivityAt?: string };

const CHANNEL = 'lobby';

/**
 * Live room lists: sockets that watch rooms hear `room_activity` when a room gets a message,
 * is created, or its online count changes. Changes are coalesced per room and flushed every
 * `flushMs`, so a busy room costs a watcher a few frames a second, not one per message.
 * Messages and new rooms travel on the bus; presence changes are seen by every node already.
 */
export class LobbyFeed {
  private readonly watchers = new Set<Connection>();
  private readonly pending = new Map<string, Activity>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly deps: {
    bus: Bus;
    nodeId: string;
    onlineCount: (roomId: string) => number;
    flushMs: number;
    /** Hears every bus payload dropped on receipt (bus/protocol.ts). */
    rejected?: OnBusRejected;
  };

  constructor(deps: LobbyFeed['deps']) {
    this.deps = deps;
  }

  start(): void {
    this.unsubscribe = this.deps.bus.subscribe(CHANNEL, (payload) => {
      const decoded = decode(LobbyMessage, payload);
      if (!decoded.ok) {
        this.deps.rejected?.(CHANNEL, decoded.rejection);
        return;
      }
      const { node, roomId, latestSeq, lastActivityAt } = decoded.message;
      if (node !== this.deps.nodeId) this.mark(roomId, definedOnly({ latestSeq, lastActivityAt }));
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.unsubscribe?.();
    this.watchers.clear();
  }

  watch(connection: Connection, active: boolean): void {
    if (active) this.watchers.add(connection);
    else this.watchers.delete(connection);
  }

  /**
   * A message was stored or a room created here: tell this node's watchers and the others (the
   * room's latest activity is replayed if the bus was down).
   */
  roomChanged(roomId: string, activity: Activity): void {
    this.mark(roomId, activity);
    this.deps.bus.publish(
      CHANNEL,
      encode<LobbyMessage>({ t: 'activity', node: this.deps.nodeId, roomId, ...activity }),
      {
        replay: `lobby:${roomId}`,
      },
    );
  }

  /** Someone entered or left a room (every node learns this through presence). */
  presenceChanged(roomId: string): void {
    this.mark(roomId, {});
  }

  private mark(roomId: string, activity: Activity): void {
    if (this.watchers.size === 0) return;
    this.pending.set(roomId, { ...this.pending.get(roomId), ...activity });
    this.timer ??= setTimeout(() => this.flush(), this.deps.flushMs);
  }

  private flush(): void {
    this.timer = undefined;
    for (const [roomId, activity] of this.pending) {
      const frame = JSON.stringify({
        type: 'room_activity',
        roomId,
        onlineCount: this.deps.onlineCount(roomId),
        ...activity,
      });
      for (const watcher of this.watchers) {
        if (watcher.isOpen) watcher.send(frame);
        else this.watchers.delete(watcher);
      }
    }
    this.pending.clear();
  }
}

/** The activity fields that were sent (an absent one must not erase what is pending). */
function definedOnly(activity: Activity): Activity {
  const out: Activity = {};
  if (activity.latestSeq !== undefined) out.latestSeq = activity.latestSeq;
  if (activity.lastActivityAt !== undefined) out.lastActivityAt = activity.lastActivityAt;
  return out;
}
