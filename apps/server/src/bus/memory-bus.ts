import { addHandler, type Bus, type ChannelHandlers, dispatch, removeHandler } from './bus.ts';

/** The single-node bus: a publish reaches this process's subscribers, synchronously. */
export function createMemoryBus(onError: (error: unknown) => void = () => {}): Bus {
  const handlers: ChannelHandlers = new Map();
  return {
    kind: 'memory',
    publish: (channel, payload) => dispatch(handlers, channel, payload, onError),
    subscribe(channel, handler) {
      addHandler(handlers, channel, handler);
      return () => void removeHandler(handlers, channel, handler);
    },
    check: async () => {},
    // In one process the link never breaks.
    connected: () => true,
    onReconnect: () => {},
    close: async () => handlers.clear(),
  };
}
