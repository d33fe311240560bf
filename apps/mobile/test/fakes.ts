import { ApiError, type ConnectionStatus, type RealtimeEvents, type RestClient } from '@tandem/client';
import { type E2EApi, KeyStore, memoryStore } from '@tandem/client/e2e';
import type {
  DeviceKeys,
  Envelope,
  KeyRequest,
  Message,
  PublicUser,
  RoomSummary,
  ServerFrameOf,
} from '@tandem/protocol';
import type { Realtime, Services } from '../src/services.tsx';

export const me: PublicUser = { id: 'alice-id-0001', username: 'alice', name: null, guest: true };
export const bob: PublicUser = { id: 'bob-id-000001', username: 'bob', name: 'Bob', guest: true };
export const ROOM_ID = 'room-id-000001';

export function roomSummary(overrides: Partial<RoomSummary> = {}): RoomSummary {
  return {
    id: ROOM_ID,
    name: 'Team Unicorns',
    kind: 'chat',
    encrypted: true,
    createdBy: me.id,
    createdAt: '2026-11-21T11:00:00.000Z',
    messageCount: 0,
    memberCount: 2,
    latestSeq: 0,
    onlineCount: 1,
    lastActivityAt: '2026-11-21T11:00:00.000Z',
    membership: null,
    ...overrides,
  };
}

export function message(seq: number, sender: PublicUser, overrides: Partial<Message> = {}): Message {
  return {
    id: `msg-${seq}`,
    roomId: ROOM_ID,
    seq,
    sender,
    clientMessageId: `cm-${sender.username}-${seq}`,
    body: `message ${seq}`,
    attachments: [],
    sealed: null,
    createdAt: new Date(2026, 10, 21, 11, 31, seq % 60).toISOString(),
    ...overrides,
  };
}

type Listeners = { [K in keyof RealtimeEvents]?: Set<(payload: RealtimeEvents[K]) => void> };

/** The realtime connection, scripted: tests decide what the server says. */
export class FakeRealtime implements Realtime {
  private readonly listeners: Listeners = {};
  status: ConnectionStatus = 'open';
  roomId: string | null = null;
  lastSeq = 0;
  pending = 0;
  /** Sends the server refuses with this reason, until set back to undefined. */
  refuseSends: string | undefined;
  snapshot: () => ServerFrameOf<'joined'>;
  sent: Array<{ body: string; clientMessageId: string; sealed: Message['sealed'] | undefined }> = [];
  typingReports: boolean[] = [];
  reads: number[] = [];
  wakes = 0;
  left = 0;
  private seq = 0;

  constructor(snapshot: () => ServerFrameOf<'joined'>) {
    this.snapshot = snapshot;
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: (payload: RealtimeEvents[K]) => void): () => void {
    const set = (this.listeners[event] ?? new Set()) as Set<(payload: RealtimeEvents[K]) => void>;
    (this.listeners as Record<string, unknown>)[event] = set;
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof RealtimeEvents>(event: K, payload: RealtimeEvents[K]): void {
    for (const listener of [...((this.listeners[event] ?? []) as Set<(p: RealtimeEvents[K]) => void>)])
      listener(payload);
  }

  connect(): void {}
  async join(): Promise<ServerFrameOf<'joined'>> {
    const frame = this.snapshot();
    this.seq = frame.latestSeq;
    this.roomId = frame.room.id;
    this.lastSeq = frame.latestSeq;
    await Promise.resolve();
    this.emit('joined', frame);
    return frame;
  }
  leave(): void {
    this.left += 1;
    this.roomId = null;
  }
  send(body: string, clientMessageId = 'cm-x', _attachmentIds: string[] = [], sealed?: Message['sealed']) {
    this.sent.push({ body, clientMessageId, sealed: sealed ?? undefined });
    const refused = this.refuseSends;
    this.pending += 1;
    // As RealtimeClient does: a stored send comes back as a live message, then `done` resolves.
    const done = new Promise<Message>((resolve, reject) =>
      setTimeout(() => {
        this.pending -= 1;
        if (refused) {
          this.emit('sendFailed', { clientMessageId, code: 'unavailable', message: refused });
          reject(new Error(refused));
          return;
        }
        const seq = ++this.seq;
        const stored = message(seq, me, { body, clientMessageId, sealed: sealed ?? null, id: `stored-${seq}` });
        this.lastSeq = seq;
        this.emit('message', stored);
        resolve(stored);
      }, 10),
    );
    done.catch(() => {});
    return { clientMessageId, done };
  }
  typing(active: boolean): void {
    this.typingReports.push(active);
  }
  markRead(seq: number): void {
    this.reads.push(seq);
  }
  close(): void {
    this.status = 'closed';
  }
  wake(): void {
    this.wakes += 1;
  }
}

/**
 * The server's side of the encrypted rooms, in memory: device keys, key requests and envelopes.
 * It holds what Tandem's server holds — no room key, no plaintext.
 */
export function fakeE2EServer() {
  const devices = new Map<string, DeviceKeys>();
  const requests: KeyRequest[] = [];
  const envelopes: Envelope[] = [];
  const api: E2EApi = {
    publishDevice: async (keys) => {
      devices.set(keys.deviceId, keys);
    },
    roomDevices: async () => [...devices.values()],
    requestKey: async (roomId, deviceId) => {
      requests.push({ roomId, device: devices.get(deviceId) as DeviceKeys, createdAt: '2026-11-21T11:31:00.000Z' });
    },
    keyRequests: async () => [...requests],
    postEnvelopes: async (_roomId, posted) => {
      envelopes.push(...posted);
    },
    envelopes: async (_roomId, deviceId) => envelopes.filter((e) => e.recipientDeviceId === deviceId),
  };
  return { api, devices, requests, envelopes };
}

type RestFake = Partial<Record<keyof RestClient, (...args: never[]) => unknown>>;

/** Services with a scripted REST client; unscripted calls fail loudly. */
export function fakeServices(
  options: { rest?: RestFake; realtime?: FakeRealtime; e2e?: E2EApi; token?: string; name?: string } = {},
) {
  const store = memoryStore();
  if (options.token) void store.set('session', options.token);
  if (options.name) void store.set('name', options.name);
  const e2e = options.e2e ?? fakeE2EServer().api;
  let token: string | undefined;
  const calls: Array<[string, unknown[]]> = [];
  /** The bearer token each scripted call went out with. */
  const tokens: Array<string | undefined> = [];
  const rest = new Proxy({} as RestClient, {
    get(_target, name: string) {
      if (name === 'token') return token;
      if (name === 'setToken') return (next: string | undefined) => (token = next);
      if (name in e2e) return (e2e as Record<string, unknown>)[name];
      return async (...args: unknown[]) => {
        calls.push([name, args]);
        tokens.push(token);
        const handler = options.rest?.[name as keyof RestClient] as ((...a: unknown[]) => unknown) | undefined;
        if (!handler) throw new ApiError(500, 'internal', `unscripted REST call ${name}`);
        return handler(...args);
      };
    },
  });
  const realtime = options.realtime ?? new FakeRealtime(() => joinedFrame());
  const services: Services = {
    serverUrl: 'http://tandem.test',
    rest,
    store,
    e2e: { keys: new KeyStore(store), api: e2e },
    openRealtime: () => realtime,
  };
  return { services, calls, tokens, store, realtime, keys: services.e2e.keys };
}

export function joinedFrame(overrides: Partial<ServerFrameOf<'joined'>> = {}): ServerFrameOf<'joined'> {
  const messages = overrides.messages ?? [];
  return {
    type: 'joined',
    room: roomSummary(),
    present: [me],
    reads: [],
    latestSeq: messages.at(-1)?.seq ?? 0,
    messages,
    hasMore: false,
    resumed: false,
    ...overrides,
  };
}

export const session = (user: PublicUser = me) => ({
  user: { ...user, email: null, createdAt: '2026-11-21T11:00:00.000Z' },
  token: 'token-0123456789',
  expiresAt: '2026-12-21T11:00:00.000Z',
});
