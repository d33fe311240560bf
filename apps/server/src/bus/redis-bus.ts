import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  addHandler,
  type Bus,
  type BusRecovery,
  type ChannelHandlers,
  dispatch,
  type PublishOptions,
  removeHandler,
} from './bus.ts';

type Logger = { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };

/**
 * Reconnect attempts (ioredis counts from 1) after 100, 200, 400, 800 ms, then every second: a
 * Redis that comes back is in use again within about a second (ioredis's own default backs off
 * to 2 s, so cross-node delivery resumed up to 2 s late).
 */
export const reconnectDelay = (attempt: number): number => Math.min(100 * 2 ** Math.max(0, attempt - 1), 1000);

/** Replayable events are kept this long after being published, for a node that comes back late. */
const RECENT_MS = 10_000;
/** Most events waiting to be replayed; past that the oldest are dropped (and reported as lost). */
const MAX_PENDING = 10_000;
/** The bus's own channel: a node whose link is back says so, and the others re-send recent replayable events. */
const CONTROL_CHANNEL = '_bus';
/** Publishes that fail while the link looks up (lost in flight) are repaired this soon. */
const REPAIR_DELAY_MS = 50;

type Entry = { channel: string; payload: string; at: number };

/**
 * The scale-out bus over Redis pub/sub: one connection publishes, one subscribes. The
 * subscriber subscribes a channel when its first local handler arrives and unsubscribes when
 * its last leaves, so a node only receives the rooms it has sockets in.
 *
 * Outages: while the link is down nothing is queued for later (a stale burst is worse than a
 * resync): a publish fails at once and its channel is reported as dropped, unless it asked to be
 * replayed. When both connections are back and every channel is subscribed again, replayable
 * events go out in order, the other nodes are told this one is back (they re-send their recent
 * replayable events, which it may have missed), and `onReconnect` listeners hear what was lost.
 */
export async function createRedisBus(
  url: string,
  log: Logger,
  prefix = 'tandem',
  onPublished: (seconds: number) => void = () => {},
): Promise<Bus> {
  const publisher = new Redis(url, {
    lazyConnect: true,
    retryStrategy: reconnectDelay,
    // A publish while the link is down fails at once (and is repaired as above), never waits.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  const subscriber = new Redis(url, {
    lazyConnect: true,
    retryStrategy: reconnectDelay,
    // SUBSCRIBE/UNSUBSCRIBE issued while the link is down wait for it, however long: a room
    // entered meanwhile must still be subscribed (and is, again, when the link is back).
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
  });
  const instance = randomUUID();
  const handlers: ChannelHandlers = new Map();
  const reconnectListeners = new Set<(recovery: BusRecovery) => void>();
  const full = (channel: string) => `${prefix}:${channel}`;
  const onError = (error: unknown) => log.warn({ err: error }, 'bus handler failed');

  // Sockets closing during shutdown still announce their leave; after close() that is a no-op.
  let closed = false;
  /** Set once the first connection is made: only later losses are outages. */
  let started = false;
  /** Since when the link is down, and what broke; null while it is up. */
  let outage: { since: number; missedIncoming: boolean } | null = null;
  /** Connection errors since the last recovery: the first is logged, the rest counted. */
  let connectionErrors = 0;
  /** The subscriber is connected and has (re)subscribed every channel. */
  let subscribed = false;
  let subscriberEpoch = 0;
  /** Channels whose publishes were lost (not replayable) since the last recovery. */
  const dropped = new Set<string>();
  let droppedCount = 0;
  let publishFailureLogged = false;
  /** Replayable events not published yet, oldest first, by replay key. */
  const pending = new Map<string, Entry>();
  /** Replayable events of the last RECENT_MS, the latest of each key, oldest first. */
  const recent = new Map<string, Entry>();
  let unkeyed = 0;
  let repairTimer: NodeJS.Timeout | undefined;

  for (const [name, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    client.on('error', (error: Error) => {
      if (closed) return;
      // One warning per outage, not one per reconnect attempt.
      connectionErrors += 1;
      if (connectionErrors === 1) log.warn({ err: error, connection: name }, 'redis bus connection error');
    });
    client.on('close', () => linkLost(name));
  }
  publisher.on('ready', () => {
    if (started) recover();
  });
  subscriber.on('ready', () => {
    if (!started) return;
    const epoch = ++subscriberEpoch;
    // ioredis resubscribes the channels it had and sends what was queued right after this
    // event; this subscribes every channel that has a handler now, and its answer means they
    // all are subscribed (a connection answers in order).
    setImmediate(() => {
      const channels = [...handlers.keys()].map(full);
      subscriber
        .subscribe(...channels)
        .then(() => {
          if (epoch !== subscriberEpoch || subscriber.status !== 'ready' || closed) return;
          subscribed = true;
          recover();
        })
        .catch(() => {
          // The link broke again: the next 'ready' tries again.
        });
    });
  });
  subscriber.on('message', (channel: string, payload: string) => {
    if (!closed) dispatch(handlers, channel.slice(prefix.length + 1), payload, onError);
  });

  function linkLost(name: 'publisher' | 'subscriber'): void {
    if (closed || !started) return;
    if (name === 'subscriber') {
      subscribed = false;
      subscriberEpoch += 1;
    }
    if (!outage) {
      outage = { since: Date.now(), missedIncoming: false };
      log.warn({ connection: name }, 'redis bus connection lost: events do not cross nodes until it is back');
    }
    if (name === 'subscriber') outage.missedIncoming = true;
  }

  /** When the link is up again (both connections, every channel subscribed): replay, report, announce. */
  function recover(): void {
    clearTimeout(repairTimer);
    repairTimer = undefined;
    if (closed || publisher.status !== 'ready' || !subscribed) return;
    const recovery: BusRecovery = {
      downMs: outage ? Date.now() - outage.since : 0,
      missedIncoming: outage?.missedIncoming ?? false,
      droppedChannels: new Set(dropped),
    };
    const wasDown = outage !== null;
    const details = {
      downMs: recovery.downMs,
      missedIncoming: recovery.missedIncoming,
      droppedPublishes: droppedCount,
      droppedChannels: dropped.size,
      replayed: pending.size,
      connectionErrors,
    };
    outage = null;
    if (wasDown) connectionErrors = 0;
    dropped.clear();
    droppedCount = 0;
    publishFailureLogged = false;
    const replay = [...pending];
    pending.clear();
    for (const [key, entry] of replay) send(entry.channel, entry.payload, key, entry);
    if (wasDown) {
      log.info(details, 'redis bus reconnected');
      // Nodes that replayed before this one was listening again send their recent events once more.
      send(CONTROL_CHANNEL, JSON.stringify({ t: 'back', node: instance }));
    } else if (details.droppedPublishes > 0 || details.replayed > 0) {
      log.info(details, 'bus publishes lost in flight; repaired');
    }
    if (!wasDown && recovery.droppedChannels.size === 0) return;
    for (const listener of reconnectListeners) {
      try {
        listener(recovery);
      } catch (error) {
        onError(error);
      }
    }
  }

  function send(channel: string, payload: string, key?: string, entry?: Entry): void {
    if (publisher.status !== 'ready') {
      lost(channel, key, entry, undefined);
      return;
    }
    const start = performance.now();
    publisher
      .publish(full(channel), payload)
      .then(() => onPublished((performance.now() - start) / 1000))
      .catch((error: unknown) => lost(channel, key, entry, error));
  }

  function lost(channel: string, key: string | undefined, entry: Entry | undefined, error: unknown): void {
    if (closed || channel === CONTROL_CHANNEL) return;
    if (key !== undefined && entry !== undefined) {
      // Replayed later, unless a newer event of the same key was published meanwhile.
      const latest = recent.get(key);
      if (latest === undefined || latest === entry) addPending(key, entry);
    } else {
      dropped.add(channel);
      droppedCount += 1;
    }
    if (!publishFailureLogged) {
      publishFailureLogged = true;
      log.warn(
        { err: error, channel },
        'bus publish failed: lost events are replayed or their rooms resynced once the bus is back',
      );
    }
    // The link looks up (the publish was lost in flight): repair now rather than at a reconnect.
    if (!outage) repairTimer ??= setTimeout(recover, REPAIR_DELAY_MS).unref();
  }

  function addPending(key: string, entry: Entry): void {
    pending.delete(key);
    pending.set(key, entry);
    if (pending.size <= MAX_PENDING) return;
    const [oldestKey, oldest] = pending.entries().next().value as [string, Entry];
    pending.delete(oldestKey);
    dropped.add(oldest.channel);
    droppedCount += 1;
  }

  function remember(key: string, entry: Entry): void {
    recent.delete(key);
    recent.set(key, entry);
    const cutoff = entry.at - RECENT_MS;
    for (const [k, e] of recent) {
      if (e.at >= cutoff) break;
      recent.delete(k);
    }
  }

  /** Another node's link is back: it may have missed what was published just before it listened. */
  function resendRecent(): void {
    const cutoff = Date.now() - RECENT_MS;
    for (const [key, entry] of recent) {
      if (entry.at < cutoff) recent.delete(key);
      else if (!pending.has(key)) send(entry.channel, entry.payload, key, entry);
    }
  }

  addHandler(handlers, CONTROL_CHANNEL, (payload) => {
    const message = JSON.parse(payload) as { t: 'back'; node: string };
    if (message.t === 'back' && message.node !== instance) resendRecent();
  });
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(full(CONTROL_CHANNEL));
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }
  subscribed = true;
  started = true;

  return {
    kind: 'redis',
    publish(channel: string, payload: string, options?: PublishOptions) {
      if (closed) return;
      if (options?.replay === undefined) {
        send(channel, payload);
        return;
      }
      const key = options.replay === true ? `#${++unkeyed}` : `=${options.replay}`;
      const entry: Entry = { channel, payload, at: Date.now() };
      remember(key, entry);
      // In order: while older events wait for the link, newer ones wait behind them.
      if (outage || pending.size > 0) addPending(key, entry);
      else send(channel, payload, key, entry);
    },
    subscribe(channel, handler) {
      if (addHandler(handlers, channel, handler)) {
        subscriber
          .subscribe(full(channel))
          .catch((error: unknown) => log.warn({ err: error, channel }, 'subscribe failed'));
      }
      return () => {
        if (removeHandler(handlers, channel, handler)) {
          subscriber.unsubscribe(full(channel)).catch(() => {});
        }
      };
    },
    async check() {
      if ((await publisher.ping()) !== 'PONG') throw new Error('redis did not answer PONG');
      if (!subscribed) throw new Error(`redis subscriber is ${subscriber.status}`);
    },
    connected: () => !closed && outage === null,
    onReconnect(listener) {
      reconnectListeners.add(listener);
    },
    async close() {
      closed = true;
      clearTimeout(repairTimer);
      handlers.clear();
      pending.clear();
      recent.clear();
      // QUIT would wait for a link that is down (the subscriber queues commands): cut it instead.
      await Promise.allSettled(
        [publisher, subscriber].map((client) => (client.status === 'ready' ? client.quit() : client.disconnect())),
      );
    },
  };
}
