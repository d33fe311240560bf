import client from 'prom-client';

/**
 * Prometheus metrics, one registry per app (tests run several apps in one process). Gauges are
 * read when scraped; counters and histograms are fed from the hot paths at one call per event,
 * never one per socket.
 */
export function createMetrics() {
  const registry = new client.Registry();
  // Process metrics, including event-loop delay (nodejs_eventloop_lag_*), heap and CPU.
  client.collectDefaultMetrics({ register: registry, prefix: 'tandem_' });
  const registers = [registry];

  return {
    registry,
    connections: new client.Gauge({
      name: 'tandem_ws_connections',
      help: 'Authenticated WebSocket connections on this node.',
      registers,
    }),
    activeRooms: new client.Gauge({
      name: 'tandem_rooms_active',
      help: 'Rooms with at least one socket on this node.',
      registers,
    }),
    messagesStored: new client.Counter({
      name: 'tandem_messages_stored_total',
      help: 'Messages stored by this node (REST and WebSocket).',
      registers,
    }),
    framesDelivered: new client.Counter({
      name: 'tandem_frames_delivered_total',
      help: 'Room frames (messages, typing, presence, receipts) handed to sockets on this node.',
      registers,
    }),
    fanoutSeconds: new client.Histogram({
      name: 'tandem_fanout_seconds',
      help: 'Time to hand one room event to every socket in the room on this node.',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    }),
    dbQuerySeconds: new client.Histogram({
      name: 'tandem_db_query_seconds',
      help: 'Database query time.',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    busPublishSeconds: new client.Histogram({
      name: 'tandem_bus_publish_seconds',
      help: 'Time for the bus to accept a published event (Redis round trip; 0 in-process).',
      buckets: [0.00005, 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers,
    }),
    busRejected: new client.Counter({
      name: 'tandem_bus_rejected_total',
      help: 'Messages from other nodes dropped on receipt (bus/protocol.ts): malformed, another protocol version, or invalid.',
      labelNames: ['channel', 'reason'] as const,
      registers,
    }),
    busReconnects: new client.Counter({
      name: 'tandem_bus_reconnects_total',
      help: 'Times the link to the other nodes (Redis) came back after an outage.',
      registers,
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
