import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** A token bucket: `ratePerSecond` sustained, `burst` at once. */
export type BucketRule = { ratePerSecond: number; burst: number };

type Logger = { warn(obj: object, msg: string): void };

/**
 * Counters that limits are made of, kept where every node sees them: in Redis when REDIS_URL
 * is set (each check is one atomic Lua script), else in this process's memory.
 *
 * Redis unreachable: every check falls back to this node's memory (with a warning at most every
 * 30 s), so a user gets at most one budget per node meanwhile rather than none or an outage.
 */
export type Limits = {
  readonly kind: 'memory' | 'redis';
  /** The connection the HTTP rate limits (@fastify/rate-limit) share, with Redis. */
  readonly redis: Redis | undefined;
  /** Takes one token from the bucket `key`; false when it is empty. */
  take(key: string, rule: BucketRule): Promise<boolean>;
  /** Counts one failure; the first of a window opens one of `windowMs` from `now`. */
  addFailure(key: string, windowMs: number, now: number): Promise<void>;
  /** The failures counted in the window still open at `now`, and when it closes. */
  failures(key: string, now: number): Promise<{ count: number; resetAt: number } | null>;
  clearFailures(key: string): Promise<void>;
  /**
   * Takes one of the user's `cap` socket slots, across every node. Returns the function that
   * gives it back, or null when all are taken.
   */
  acquireSocket(userId: string, cap: number): Promise<(() => void) | null>;
  close(): Promise<void>;
};

/** Keys a node keeps in memory per kind (buckets, failure windows) before it evicts the oldest. */
export const MEMORY_KEYS = 100_000;

export function memoryLimits(now: () => number = Date.now, maxKeys = MEMORY_KEYS): Limits {
  const buckets = new Map<string, { tokens: number; at: number; rule: BucketRule }>();
  const windows = new Map<string, { count: number; resetAt: number }>();
  const sockets = new Map<string, number>();

  // Bounded memory: full buckets and closed windows carry no information and are dropped.
  const sweep = () => {
    const t = now();
    for (const [key, b] of buckets) {
      if (b.tokens + ((t - b.at) / 1000) * b.rule.ratePerSecond >= b.rule.burst) buckets.delete(key);
    }
    for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key);
  };
  // Still full after a sweep: the oldest entries go first (a Map iterates in insertion order),
  // so a flood of new keys can push out old ones one by one but never wipe every lock-out at once.
  const makeRoom = <V>(map: Map<string, V>) => {
    if (map.size < maxKeys) return;
    sweep();
    for (const key of map.keys()) {
      if (map.size < maxKeys) break;
      map.delete(key);
    }
  };
  const sweeper = setInterval(sweep, 60_000);
  sweeper.unref();

  return {
    kind: 'memory',
    redis: undefined,
    async take(key, rule) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: rule.burst, at: t, rule };
      b.tokens = Math.min(rule.burst, b.tokens + ((t - b.at) / 1000) * rule.ratePerSecond);
      b.at = t;
      b.rule = rule;
      if (!buckets.has(key)) {
        makeRoom(buckets);
        buckets.set(key, b);
      }
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    async addFailure(key, windowMs, at) {
      const w = windows.get(key);
      if (w && w.resetAt > at) w.count += 1;
      else {
        // A closed window is deleted first, so the fresh one is the newest entry again.
        windows.delete(key);
        makeRoom(windows);
        windows.set(key, { count: 1, resetAt: at + windowMs });
      }
    },
    async failures(key, at) {
      const w = windows.get(key);
      return w && w.resetAt > at ? { ...w } : null;
    },
    async clearFailures(key) {
      windows.delete(key);
    },
    async acquireSocket(userId, cap) {
      const held = sockets.get(userId) ?? 0;
      if (held >= cap) return null;
      sockets.set(userId, held + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (sockets.get(userId) ?? 1) - 1;
        if (left > 0) sockets.set(userId, left);
        else sockets.delete(userId);
      };
    },
    async close() {
      clearInterval(sweeper);
    },
  };
}

// Redis' own clock, so that nodes whose clocks differ still agree on every bucket.
const NOW_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const TAKE_LUA = `${NOW_LUA}
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return allowed`;

const ADD_FAILURE_LUA = `local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local resetAt = tonumber(redis.call('HGET', KEYS[1], 'resetAt'))
if resetAt == nil or resetAt <= now then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'count', 1, 'resetAt', tostring(now + window))
  redis.call('PEXPIRE', KEYS[1], window)
else
  redis.call('HINCRBY', KEYS[1], 'count', 1)
end
return 1`;

// KEYS[1]: the live nodes (a sorted set scored by last beat); KEYS[2]: this node's socket counts.
// ARGV: the prefix of every node's counts, user id, this node's id, cap, lease in ms.
const ACQUIRE_LUA = `${NOW_LUA}
local lease = tonumber(ARGV[5])
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - lease)
local total = 0
for _, node in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  total = total + (tonumber(redis.call('HGET', ARGV[1] .. node, ARGV[2])) or 0)
end
if total >= tonumber(ARGV[4]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('PEXPIRE', KEYS[2], lease * 2)
return 1`;

const RELEASE_LUA = `if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1`;

const BEAT_LUA = `${NOW_LUA}
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 2)
return 1`;

/** A node that stops beating (it died) no longer counts its sockets after this. */
const NODE_LEASE_MS = 30_000;

type LimitCommands = {
  tandemTake(key: string, rate: number, burst: number): Promise<number>;
  tandemAddFailure(key: string, now: number, windowMs: number): Promise<number>;
  tandemAcquire(
    nodes: string,
    own: string,
    prefix: string,
    user: string,
    node: string,
    cap: number,
    lease: number,
  ): Promise<number>;
  tandemRelease(own: string, user: string): Promise<number>;
  tandemBeat(nodes: string, own: string, node: string, lease: number): Promise<number>;
};

/**
 * Limits shared by every node through Redis. Uses its own connection, which never queues a
 * command while Redis is away (a check must not wait for a reconnect): it falls back instead.
 */
export async function redisLimits(url: string, prefix: string, log: Logger): Promise<Limits> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
  });
  redis.on('error', () => {
    // Reported by `degraded` when a check needs Redis; ioredis keeps reconnecting meanwhile.
  });
  redis.defineCommand('tandemTake', { numberOfKeys: 1, lua: TAKE_LUA });
  redis.defineCommand('tandemAddFailure', { numberOfKeys: 1, lua: ADD_FAILURE_LUA });
  redis.defineCommand('tandemAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
  redis.defineCommand('tandemRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  redis.defineCommand('tandemBeat', { numberOfKeys: 2, lua: BEAT_LUA });
  const commands = redis as unknown as LimitCommands & Redis;
  try {
    await redis.connect();
  } catch (error) {
    log.warn({ err: error }, 'redis for limits unreachable at start; counting on this node until it answers');
  }

  const local = memoryLimits();
  const node = randomUUID();
  const key = (...parts: string[]) => [prefix, 'limits', ...parts].join(':');
  const nodesKey = key('nodes');
  const countsPrefix = `${key('sockets')}:`;
  const ownCounts = `${countsPrefix}${node}`;

  let lastWarning = 0;
  const degraded = (error: unknown) => {
    if (Date.now() - lastWarning < 30_000) return;
    lastWarning = Date.now();
    log.warn({ err: error }, 'redis for limits unreachable; counting on this node only until it answers');
  };
  /** Runs `shared` on Redis; on this node's memory (`fallback`) when Redis cannot answer. */
  async function either<T>(shared: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (redis.status !== 'ready') {
      degraded(new Error(`redis is ${redis.status}`));
      return fallback();
    }
    try {
      return await shared();
    } catch (error) {
      degraded(error);
      return fallback();
    }
  }

  // This node's slots held in Redis, per user: after a release Redis missed, the next beat
  // rewrites this node's counts from here.
  const held = new Map<string, number>();
  let stale = false;
  const resync = async () => {
    const counts = [...held].flatMap(([user, n]) => [user, String(n)]);
    const write = redis.multi().del(ownCounts);
    if (counts.length > 0) write.hset(ownCounts, ...counts);
    await write.pexpire(ownCounts, NODE_LEASE_MS * 2).exec();
    stale = false;
  };
  const beat = setInterval(() => {
    if (redis.status !== 'ready') return;
    commands
      .tandemBeat(nodesKey, ownCounts, node, NODE_LEASE_MS)
      .then(() => (stale ? resync() : undefined))
      .catch(degraded);
  }, NODE_LEASE_MS / 3);
  beat.unref();

  return {
    kind: 'redis',
    redis,
    take: (name, rule) =>
      either(
        async () => (await commands.tandemTake(key('bucket', name), rule.ratePerSecond, rule.burst)) === 1,
        () => local.take(name, rule),
      ),
    addFailure: (name, windowMs, now) =>
      either(
        async () => void (await commands.tandemAddFailure(key('failures', name), now, windowMs)),
        () => local.addFailure(name, windowMs, now),
      ),
    failures: (name, now) =>
      either(
        async () => {
          const [count, resetAt] = await redis.hmget(key('failures', name), 'count', 'resetAt');
          const window = { count: Number(count ?? 0), resetAt: Number(resetAt ?? 0) };
          return window.count > 0 && window.resetAt > now ? window : null;
        },
        () => local.failures(name, now),
      ),
    clearFailures: (name) =>
      either(
        async () => void (await redis.del(key('failures', name))),
        () => local.clearFailures(name),
      ),
    acquireSocket: (userId, cap) =>
      either(
        async () => {
          const ok = await commands.tandemAcquire(nodesKey, ownCounts, countsPrefix, userId, node, cap, NODE_LEASE_MS);
          if (ok !== 1) return null;
          held.set(userId, (held.get(userId) ?? 0) + 1);
          let released = false;
          return () => {
            if (released) return;
            released = true;
            const left = (held.get(userId) ?? 1) - 1;
            if (left > 0) held.set(userId, left);
            else held.delete(userId);
            commands.tandemRelease(ownCounts, userId).catch((error: unknown) => {
              stale = true;
              degraded(error);
            });
          };
        },
        () => local.acquireSocket(userId, cap),
      ),
    async close() {
      clearInterval(beat);
      await local.close();
      if (redis.status === 'ready') {
        // This node's sockets are all gone: its counts go with it rather than after the lease.
        await Promise.allSettled([redis.del(ownCounts), redis.zrem(nodesKey, node)]);
      }
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function createLimits(options: { redisUrl: string | undefined; prefix: string; log: Logger }): Promise<Limits> {
  return options.redisUrl
    ? redisLimits(options.redisUrl, options.prefix, options.log)
    : Promise.resolve(memoryLimits());
}
