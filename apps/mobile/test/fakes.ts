import { ApiError, type RestClient } from '@tandem/client';
import { type E2EApi, KeyStore, memoryStore, sealText } from '@tandem/client/e2e';
import { FakeRealtime as SharedFakeRealtime } from '@tandem/client/testing';
import type { DeviceIdentity } from '@tandem/crypto';
import type {
  Attachment,
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

/**
 * The shared `FakeRealtime` of `@tandem/client/testing` (the web app's tests use the same one),
 * behaving like a server: a join is answered with `snapshot()`, a send is stored and comes back
 * as a live message 10 ms later (or is refused while `refuseSends` says why) with the files of
 * `uploads` it names, and the phone's extras (`connect`, `close`, `wake`) are counted.
 */
export class FakeRealtime extends SharedFakeRealtime implements Realtime {
  /** Sends the server refuses with this reason, until set back to undefined. */
  refuseSends: string | undefined;
  /** Files the server holds, by attachment id: a stored send carries those it names. */
  uploads = new Map<string, Attachment>();
  snapshot: () => ServerFrameOf<'joined'>;
  wakes = 0;
  private seq = 0;

  constructor(snapshot: () => ServerFrameOf<'joined'>) {
    super();
    this.snapshot = snapshot;
  }

  connect(): void {}

  override join(target: { roomId: string } | { roomName: string }): Promise<ServerFrameOf<'joined'>> {
    const answer = super.join(target);
    const frame = this.snapshot();
    this.seq = frame.latestSeq;
    queueMicrotask(() => this.joined(frame));
    return answer;
  }

  override send(...args: Parameters<SharedFakeRealtime['send']>) {
    const handle = super.send(...args);
    const sent = this.sent.at(-1);
    const refused = this.refuseSends;
    setTimeout(() => {
      if (refused) return this.fail(handle.clientMessageId, 'unavailable', refused);
      const seq = ++this.seq;
      this.ack(
        message(seq, me, {
          body: sent?.body ?? '',
          clientMessageId: handle.clientMessageId,
          sealed: sent?.sealed ?? null,
          attachments: (sent?.attachmentIds ?? []).flatMap((id) => this.uploads.get(id) ?? []),
          id: `stored-${seq}`,
        }),
      );
    }, 10);
    return handle;
  }

  close(): void {
    this.status = 'closed';
  }

  wake(): void {
    this.wakes += 1;
  }
}

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

/** A message `sender` sealed on `device` with the room's key (epoch 1), as a member's phone would. */
export function sealedMessage(
  roomKey: Uint8Array,
  device: DeviceIdentity,
  sender: PublicUser,
  seq: number,
  text: string,
): Message {
  const clientMessageId = `cm-${sender.username}-${seq}`;
  const sealed = sealText({
    roomId: ROOM_ID,
    roomKeys: new Map([[1, roomKey]]),
    identity: device,
    clientMessageId,
    payload: { text, files: [] },
  });
  return message(seq, sender, { body: '', clientMessageId, sealed });
}
