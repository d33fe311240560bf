import type { ClientFrame, Message, ServerFrame, ServerFrameOf } from '@tandem/protocol';

/**
 * A WebSocket whose server side the test scripts frame by frame: what the client wrote is in
 * `sent`, and `deliver` hands it a server frame. It opens on the next microtask, so it works
 * with fake timers.
 */
export class ScriptedSocket {
  static last: ScriptedSocket | undefined;
  static all: ScriptedSocket[] = [];
  readyState = 0;
  sent: ClientFrame[] = [];
  closedWith: { code?: number | undefined; reason?: string | undefined } | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
    ScriptedSocket.last = this;
    ScriptedSocket.all.push(this);
    queueMicrotask(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.();
    });
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  /** The client closed it. */
  close(code?: number, reason?: string) {
    this.readyState = 3;
    this.closedWith = { code, reason };
  }
  /** The server closed it. */
  serverClose(code: number, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  deliver(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  /** Frames of one type the client wrote on this socket. */
  sentOf<T extends ClientFrame['type']>(type: T): Array<Extract<ClientFrame, { type: T }>> {
    return this.sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type);
  }
}

export const user = { id: 'UXkV1n3c9Lw2bq7ZsA0ePg', username: 'alice', name: null, guest: true };
export const roomId = 'q3Z8vJb0S4mYdE1xKpLr2w';

export const message = (seq: number, overrides: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId,
  seq,
  sender: user,
  clientMessageId: `c${seq}`,
  body: `message ${seq}`,
  attachments: [],
  sealed: null,
  createdAt: '2026-11-21T11:31:00.000Z',
  ...overrides,
});

export const helloFrame = (heartbeatMs = 30_000): ServerFrameOf<'hello'> => ({
  type: 'hello',
  protocolVersion: 1,
  connectionId: 'c',
  user,
  heartbeatMs,
  limits: { maxFrameBytes: 65_536, sendsPerSecond: 20, typingTimeoutMs: 5000 },
});

export const joinedFrame = (
  messages: Message[],
  options: { resumed?: boolean; ref?: string | undefined } = {},
): ServerFrameOf<'joined'> => {
  const latestSeq = messages.at(-1)?.seq ?? 0;
  return {
    type: 'joined',
    ...(options.ref === undefined ? {} : { ref: options.ref }),
    room: {
      id: roomId,
      name: 'Room',
      kind: 'chat',
      encrypted: false,
      createdBy: null,
      createdAt: '2026-11-21T11:00:00.000Z',
      messageCount: latestSeq,
      memberCount: 1,
      latestSeq,
      onlineCount: 1,
      lastActivityAt: '2026-11-21T11:00:00.000Z',
      membership: null,
    },
    present: [user],
    reads: [],
    latestSeq,
    messages,
    hasMore: false,
    resumed: options.resumed ?? false,
  };
};
