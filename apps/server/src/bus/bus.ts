/**
 * Publish/subscribe between the nodes of a Tandem cluster. Payloads are strings: a room event
 * is serialised once by the node that produced it and handed to local sockets as it is.
 * Delivery is at most once and in order per channel and publisher; nodes do not rely on it
 * for durability (the database has every message; presence is refreshed by heartbeats).
 *
 * When the link breaks, events are lost both ways. The bus says so when it is back
 * (`onReconnect`): which channels lost this node's publishes, and whether this node may have
 * missed the others'. The owners repair what they own (rooms are told to resync, presence is
 * announced again). Events that carry state rather than history can ask to be replayed instead
 * (`PublishOptions.replay`).
 */
export type Bus = {
  readonly kind: 'memory' | 'redis';
  publish(channel: string, payload: string, options?: PublishOptions): void;
  /** Returns the function that unsubscribes this handler. */
  subscribe(channel: string, handler: (payload: string) => void): () => void;
  /** Resolves when the bus can carry messages; rejects with the reason when it cannot. */
  check(): Promise<void>;
  /** Whether the link is up now (false from a lost connection until it is back and resubscribed). */
  connected(): boolean;
  /** Called after a lost connection comes back (or lost publishes are noticed): see `BusRecovery`. */
  onReconnect(listener: (recovery: BusRecovery) => void): void;
  close(): Promise<void>;
};

export type PublishOptions = {
  /**
   * Publish this again if it could not be published, once the bus is back, and again to a node
   * that comes back soon after (it may not have been listening yet). `true` replays every such
   * payload, in order; a string is a key, and only the latest payload of a key is replayed (for
   * events that carry a state, such as "X stopped typing"). Replayed events must be harmless to
   * receive twice.
   */
  replay?: true | string;
};

/** What a node may have lost while its link to the other nodes was broken. */
export type BusRecovery = {
  /** How long the link was down, ms (0 when only some publishes failed). */
  downMs: number;
  /** This node's subscriptions were cut: it may have missed the other nodes' events. */
  missedIncoming: boolean;
  /** Channels on which this node's publishes were lost (and not replayed): the others missed them. */
  droppedChannels: ReadonlySet<string>;
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
