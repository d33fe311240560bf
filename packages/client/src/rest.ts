import type {
  CreateRoomRequest,
  CreateRoomResponse,
  DeviceKeys,
  Envelope,
  ErrorResponse,
  GuestRequest,
  HistoryQuery,
  HistoryResponse,
  JoinByNameRequest,
  JoinResponse,
  KeyRequest,
  LoginRequest,
  MemberListResponse,
  MeResponse,
  Message,
  PostMessageRequest,
  RegisterRequest,
  RoomListResponse,
  RoomMessageCounts,
  RoomSummary,
  SessionResponse,
  UserMessageCounts,
} from '@tandem/protocol';

/** A failed API call, with the server's error code and message (or `network` when it never answered). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The field a validation or conflict error is about, when the server named one. */
  get field(): string | undefined {
    const d = this.details as { field?: string; issues?: Array<{ path: string }> } | undefined;
    return d?.field ?? d?.issues?.[0]?.path.split('.').slice(1).join('.');
  }
}

export type RestOptions = {
  /** e.g. http://localhost:8000; '' for same-origin requests from the web app. */
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
  /** Browsers: send the session cookie ('include' or 'same-origin'). */
  credentials?: RequestCredentials;
};

type Query = Record<string, string | number | boolean | undefined>;

/** Typed calls for every REST route; the types are the protocol's own. */
export function createRestClient(options: RestOptions) {
  let token = options.token;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  async function call<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const qs = query
      ? Object.entries(query)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
          .join('&')
      : '';
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await doFetch(`${options.baseUrl}${path}${qs ? `?${qs}` : ''}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
    } catch (error) {
      throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.', error);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const e = (json as ErrorResponse | undefined)?.error;
      throw new ApiError(response.status, e?.code ?? 'internal', e?.message ?? `HTTP ${response.status}`, e?.details);
    }
    return json as T;
  }

  const room = (id: string) => `/rooms/${encodeURIComponent(id)}`;

  return {
    setToken(next: string | undefined) {
      token = next;
    },
    get token() {
      return token;
    },
    guest: (body: GuestRequest) => call<SessionResponse>('POST', '/auth/guest', body),
    register: (body: RegisterRequest) => call<SessionResponse>('POST', '/auth/register', body),
    /** Name the account in `login`, `username` or `email` (one of them). */
    login: (body: LoginRequest) => call<SessionResponse>('POST', '/auth/login', body),
    logout: () => call<void>('POST', '/auth/logout'),
    /** Who is signed in: `{ user: null }` when no one is (no session, or it expired) — not an error. */
    me: () => call<MeResponse>('GET', '/auth/me'),
    createRoom: (body: CreateRoomRequest = {}) => call<CreateRoomResponse>('POST', '/rooms', body),
    listRooms: (query: { limit?: number; joined?: boolean } = {}) =>
      call<RoomListResponse>('GET', '/rooms', undefined, query),
    getRoom: (roomId: string) => call<RoomSummary>('GET', room(roomId)),
    joinByName: (body: JoinByNameRequest) => call<JoinResponse>('POST', '/rooms/join', body),
    joinById: (roomId: string) => call<JoinResponse>('POST', `${room(roomId)}/join`),
    leave: (roomId: string) => call<void>('POST', `${room(roomId)}/leave`),
    members: (roomId: string) => call<MemberListResponse>('GET', `${room(roomId)}/members`),
    /** Pass a `clientMessageId` to make a retry safe: without one the server makes one, and a retry stores twice. */
    postMessage: (roomId: string, body: PostMessageRequest) => call<Message>('POST', `${room(roomId)}/messages`, body),
    history: (roomId: string, query: HistoryQuery = {}) =>
      call<HistoryResponse>('GET', `${room(roomId)}/messages`, undefined, query as Query),
    // Encrypted rooms (docs/encryption.md): the server only stores and relays these; no room key
    // or plaintext.
    publishDevice: (keys: DeviceKeys) => call<void>('PUT', `/devices/${encodeURIComponent(keys.deviceId)}`, keys),
    roomDevices: async (roomId: string) =>
      (await call<{ devices: DeviceKeys[] }>('GET', `${room(roomId)}/devices`)).devices,
    requestKey: (roomId: string, deviceId: string) => call<void>('POST', `${room(roomId)}/key-requests`, { deviceId }),
    keyRequests: async (roomId: string) =>
      (await call<{ requests: KeyRequest[] }>('GET', `${room(roomId)}/key-requests`)).requests,
    postEnvelopes: (roomId: string, envelopes: Envelope[]) =>
      call<void>('POST', `${room(roomId)}/envelopes`, { envelopes }),
    envelopes: async (roomId: string, deviceId: string) =>
      (await call<{ envelopes: Envelope[] }>('GET', `${room(roomId)}/envelopes`, undefined, { deviceId })).envelopes,
    roomStats: (limit?: number) => call<RoomMessageCounts>('GET', '/stats/rooms', undefined, { limit }),
    userStats: (limit?: number) => call<UserMessageCounts>('GET', '/stats/users', undefined, { limit }),
  };
}
export type RestClient = ReturnType<typeof createRestClient>;
