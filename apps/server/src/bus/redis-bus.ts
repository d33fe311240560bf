import { Redis } from 'ioredis';
import { addHandler, type Bus, type ChannelHandlers, dispatch, removeHandler } from './bus.ts';

type Logger = { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };

/**
 * The scale-out bus over Redis pub/sub: one connection publishes, one subscribes. The
 * subscriber subscribes a channel when its first local handler arrives and unsubscribes when
 * its last leaves, so a node only receives the rooms it has sockets in.
 */
export async function createRedisBus(
  url: string,
  log: Logger,
  prefix = 'tandem',
  onPublished: (seconds: number) => void = () => {},
): Promise<Bus> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true } as const;
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  const handlers: ChannelHandlers = new Map();
  const reconnectListeners = new Set<() => void>();
  const full = (channel: string) => `${prefix}:${channel}`;
  const onError = (error: unknown) => log.warn({ err: error }, 'bus handler failed');
  // Sockets closing during shutdown still announce their leave; after close() that is a no-op.
  let closed = false;

  for (const [name, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    client.on('error', (error: Error) => log.warn({ err: error, connection: name }, 'redis bus connection error'));
  }
  let connectedOnce = false;
  subscriber.on('ready', () => {
    if (connectedOnce) {
      log.info({}, 'redis bus reconnected');
      for (const listener of reconnectListeners) listener();
    }
    connectedOnce = true;
  });
  subscriber.on('message', (channel: string, payload: string) => {
    dispatch(handlers, channel.slice(prefix.length + 1), payload, onError);
  });

  await Promise.all([publisher.connect(), subscriber.connect()]);

  return {
    kind: 'redis',
    publish(channel, payload) {
      if (closed) return;
      const start = performance.now();
      publisher
        .publish(full(channel), payload)
        .then(() => onPublished((performance.now() - start) / 1000))
        .catch((error: unknown) => log.warn({ err: error, channel }, 'publish failed'));
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
      if (subscriber.status !== 'ready') throw new Error(`redis subscriber is ${subscriber.status}`);
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
    },
    async close() {
      closed = true;
      handlers.clear();
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
