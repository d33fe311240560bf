/**
 * Publish/subscribe between the nodes of a Tandem cluster. Payloads are strings: a room event
 * is serialised once by the node that produced it and handed to local sockets as it is.
 * Delivery is at most once and in order per channel and publisher; nodes do not rely on it
 * for durability (the database has every message; presence is refreshed by heartbeats).
 */
export type Bus = {
  readonly kind: 'memory' | 'redis';
  publish(channel: string, payload: string): void;
  /** Returns the function that unsubscribes this handler. */
  subscribe(channel: string, handler: (payload: string) => void): () => void;
  /** Resolves when the bus can carry messages; rejects with the reason when it cannot. */
  check(): Promise<void>;
  /** Called after a lost connection comes back: events may have been missed meanwhile. */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
};

export type ChannelHandlers = Map<string, Set<(payload: string) => void>>;

/** Adds a handler; returns whether it is the channel's first (so the transport must subscribe). */
export function addHandler(handlers: ChannelHandlers, channel: string, handler: (payload: string) => void): boolean {
  const set = handlers.get(channel);
  if (set) {
    set.add(handler);
    return false;
  }
  handlers.set(channel, new Set([handler]));
  return true;
}

/** Removes a handler; returns whether it was the channel's last (so the transport may unsubscribe). */
export function removeHandler(handlers: ChannelHandlers, channel: string, handler: (payload: string) => void): boolean {
  const set = handlers.get(channel);
  if (!set?.delete(handler) || set.size > 0) return false;
  handlers.delete(channel);
  return true;
}

export function dispatch(handlers: ChannelHandlers, channel: string, payload: string, onError: (e: unknown) => void) {
  const set = handlers.get(channel);
  if (!set) return;
  for (const handler of set) {
    try {
      handler(payload);
    } catch (error) {
      onError(error);
    }
  }
}
