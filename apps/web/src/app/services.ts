import { type ConnectionStatus, createRestClient, RealtimeClient, type RestClient } from '@tandem/client';
import { CloseCode } from '@tandem/protocol/constants';

/** What the app uses of a realtime connection; tests pass a fake with the same shape. */
export type Realtime = Pick<
  RealtimeClient,
  | 'on'
  | 'join'
  | 'leave'
  | 'send'
  | 'typing'
  | 'markRead'
  | 'watchRooms'
  | 'close'
  | 'status'
  | 'roomId'
  | 'lastSeq'
  | 'pending'
>;

export type ConnectionListener = {
  status(status: ConnectionStatus): void;
  /** The server ended the session (close 4401): the person has to sign in again. */
  sessionEnded(reason: string): void;
  /** A refusal or a final close that is nobody's form field, in the server's words. */
  problem(message: string): void;
};

/**
 * The signed-in person's one realtime connection, opened on first use. It authenticates with
 * the session cookie, so it must be dropped whenever the session changes (sign-in, sign-out).
 */
export type RealtimeConnection = {
  get(): Realtime;
  close(): void;
  listen(listener: ConnectionListener): void;
};

export function createRealtimeConnection(create: () => Realtime): RealtimeConnection {
  let client: Realtime | null = null;
  let listener: ConnectionListener | null = null;
  return {
    get() {
      if (client) return client;
      const next = create();
      next.on('status', (status) => listener?.status(status));
      next.on('error', (frame) => {
        // A typing or read frame that raced a rejoin after a reconnect: the rejoin settles it.
        if (frame.code !== 'not_in_room') listener?.problem(frame.message);
      });
      next.on('closed', ({ code, reason }) => {
        if (client === next) client = null;
        if (code === CloseCode.unauthorized) listener?.sessionEnded(reason);
        // Anything else final (e.g. a protocol version this server no longer speaks) needs a reload.
        else if (code !== CloseCode.normal)
          listener?.problem(`${reason || 'The connection was closed.'} Reload the page to reconnect.`);
      });
      client = next;
      return next;
    },
    close() {
      const current = client;
      client = null;
      current?.close();
      listener?.status('idle');
    },
    listen(next) {
      listener = next;
    },
  };
}

export type Services = { rest: RestClient; realtime: RealtimeConnection };

/** The browser's services: same-origin REST with the session cookie, and /ws on this host. */
export function createBrowserServices(): Services {
  const rest = createRestClient({ baseUrl: '', credentials: 'same-origin' });
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  return { rest, realtime: createRealtimeConnection(() => new RealtimeClient({ url, rest })) };
}
