import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRestClient, RealtimeClient, type RealtimeOptions } from '@tandem/client';
import type { Message } from '@tandem/protocol';
import type pg from 'pg';
import { waitFor } from './cluster.ts';

/**
 * Clients of the fault suite and the soak: each is a `@tandem/client` RealtimeClient (Node's own
 * WebSocket, gap fill over REST), signed in as a guest, in one room, sending a numbered message
 * every so often, and keeping what an app would show: the room's timeline, who is present, and
 * how its connection went. The figures (`assess`) compare all of it with the database.
 */

export type SendRecord = {
  clientMessageId: string;
  body: string;
  sentAt: number;
  ackedAt?: number;
  seq?: number;
  failed?: string;
};

export type ClientOptions = Omit<RealtimeOptions, 'url' | 'token' | 'rest' | 'WebSocket'>;

export type FleetOptions = {
  /** The balancer's base URLs. */
  http: string;
  ws: string;
  /** RealtimeClient options; `FAULT_CLIENT_OPTIONS` when left out, `{}` for the client's defaults. */
  client?: ClientOptions;
};

/**
 * The fault suite's clients: shorter timeouts than the client's defaults (backoff 500 ms → 15 s,
 * hello 5 s, ack 10 s + ping 3 s), so that a frozen node is left within seconds of a short test
 * rather than after about 20 s. What they test is the same: no hello in time, or a send unacked
 * and a ping unanswered, and the socket is replaced.
 */
export const FAULT_CLIENT_OPTIONS: ClientOptions = {
  backoff: { baseMs: 250, maxMs: 3000 },
  helloTimeoutMs: 3000,
  ackTimeoutMs: 4000,
  pingTimeoutMs: 2000,
};

export class FleetClient {
  readonly tag: string;
  readonly userId: string;
  readonly username: string;
  readonly token: string;
  readonly roomId: string;
  readonly rt: RealtimeClient;
  /** The room as this client would show it: the join snapshot, then each message event. */
  timeline: Message[] = [];
  readonly sends = new Map<string, SendRecord>();
  /** Times the connection was lost and retried ('status' → 'reconnecting'). */
  reconnects = 0;
  /** Every reconnect attempt scheduled, with the close that caused it. */
  readonly retries: Array<{ code: number; reason: string }> = [];
  /** 'closed' events (the client gave up for good) not caused by `close()`. */
  readonly closes: Array<{ code: number; reason: string }> = [];
  /** Who this client believes is present in its room: user id → username. */
  view = new Map<string, string>();
  /** Join snapshots received (a fresh socket joining, or a rejoin after a resync). */
  joins = 0;
  /** Sockets that got as far as 'hello': the first connection, then one per reconnect that got in. */
  hellos = 0;
  joinNotices = 0;
  leaveNotices = 0;
  /** Presence notices about each other user: user id → counts. */
  readonly noticesAbout = new Map<string, { join: number; leave: number }>();
  /** A join notice for someone already shown present, or a leave for someone not shown. */
  readonly presenceErrors: string[] = [];
  /** `hellos` when the notice counters were last reset. */
  hellosAtMark = 0;
  /** The newest connection and presence events, for failure messages. */
  private readonly history: string[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private counter = 0;
  private closing = false;

  constructor(
    options: FleetOptions,
    who: { tag: string; userId: string; username: string; token: string; roomId: string },
  ) {
    this.tag = who.tag;
    this.userId = who.userId;
    this.username = who.username;
    this.token = who.token;
    this.roomId = who.roomId;
    this.rt = new RealtimeClient({
      ...(options.client ?? FAULT_CLIENT_OPTIONS),
      url: `${options.ws}?fc=${who.tag}`,
      token: who.token,
      rest: createRestClient({ baseUrl: options.http, token: who.token }),
    });
    this.rt.on('status', (status) => {
      this.note(status);
      if (status === 'reconnecting') this.reconnects += 1;
    });
    this.rt.on('reconnectScheduled', (event) => {
      this.retries.push({ code: event.code, reason: event.reason });
    });
    this.rt.on('closed', (event) => {
      if (!this.closing) this.closes.push(event);
    });
    this.rt.on('joined', (frame) => {
      this.note(
        `joined${frame.resumed ? ' (resumed)' : ''}, shown present: ${frame.present.map((u) => u.username).join(' ')}`,
      );
      this.joins += 1;
      if (!frame.resumed) this.timeline = frame.messages.slice();
      this.view = new Map(frame.present.map((u) => [u.id, u.username]));
    });
    this.rt.on('message', (message) => {
      this.timeline.push(message);
    });
    this.rt.on('hello', () => {
      this.hellos += 1;
    });
    this.rt.on('presence', (frame) => {
      const about = this.noticesAbout.get(frame.user.id) ?? { join: 0, leave: 0 };
      this.note(`${frame.action} ${frame.user.username}`);
      about[frame.action] += 1;
      this.noticesAbout.set(frame.user.id, about);
      if (frame.action === 'join') {
        this.joinNotices += 1;
        if (this.view.has(frame.user.id))
          this.presenceErrors.push(`join notice for ${frame.user.username}, shown present (${this.recent()})`);
        this.view.set(frame.user.id, frame.user.username);
      } else {
        this.leaveNotices += 1;
        if (!this.view.has(frame.user.id))
          this.presenceErrors.push(`leave notice for ${frame.user.username}, not shown (${this.recent()})`);
        this.view.delete(frame.user.id);
      }
    });
    this.rt.on('sendFailed', (failure) => {
      const record = this.sends.get(failure.clientMessageId);
      if (record) record.failed = `${failure.code}: ${failure.message}`;
    });
  }

  private note(what: string): void {
    this.history.push(`${Math.round(performance.now())} ${what}`);
    if (this.history.length > 12) this.history.shift();
  }

  /** The last few events, oldest first. */
  recent(count = 6): string {
    return this.history.slice(-count).join(' | ');
  }

  /** Starts counting presence notices afresh (before a fault). */
  markPresence(): void {
    this.joinNotices = 0;
    this.leaveNotices = 0;
    this.noticesAbout.clear();
    this.presenceErrors.length = 0;
    this.hellosAtMark = this.hellos;
  }

  /** Joined and live: the socket is open and the room confirmed on it. */
  get live(): boolean {
    return this.rt.status === 'open' && this.rt.roomId === this.roomId;
  }

  join(timeoutMs = 15_000): Promise<unknown> {
    return withTimeout(this.rt.join({ roomId: this.roomId }), timeoutMs, `${this.tag} to join`);
  }

  sendOne(): SendRecord {
    this.counter += 1;
    const body = `${this.tag} #${this.counter}`;
    const { clientMessageId, done } = this.rt.send(body);
    const record: SendRecord = { clientMessageId, body, sentAt: performance.now() };
    this.sends.set(clientMessageId, record);
    done.then(
      (message) => {
        record.ackedAt = performance.now();
        record.seq = message.seq;
      },
      (error: unknown) => {
        record.failed ??= error instanceof Error ? error.message : String(error);
      },
    );
    return record;
  }

  startSending(everyMs: number): void {
    this.stopSending();
    // Spread over the interval, so the fleet does not send in lockstep.
    const offset = Math.floor(Math.random() * everyMs);
    this.timer = setTimeout(() => {
      this.sendOne();
      this.timer = setInterval(() => this.sendOne(), everyMs);
    }, offset);
  }

  stopSending(): void {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stopSending();
    this.closing = true;
    this.rt.close();
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export type Guest = { userId: string; username: string; token: string };

export async function createGuest(http: string, prefix: string): Promise<Guest> {
  const username = `${prefix.slice(0, 16)}${randomBytes(4).toString('hex')}`;
  const session = await createRestClient({ baseUrl: http }).guest({ username });
  return { userId: session.user.id, username: session.user.username, token: session.token };
}

export async function createRoom(http: string, token: string): Promise<string> {
  return (await createRestClient({ baseUrl: http, token }).createRoom({})).roomId;
}

export type Scenario = Awaited<ReturnType<typeof startScenario>>;

/**
 * `clients` guests in `rooms` rooms, joined one after the other through the balancer (so round
 * robin puts every other one on the other node), paired so that each room has clients on both.
 */
export async function startScenario(
  options: FleetOptions & { name: string; clients: number; rooms?: number; joinConcurrency?: number },
) {
  const roomCount = options.rooms ?? 2;
  const guests = await Promise.all(
    Array.from({ length: options.clients }, (_, i) => createGuest(options.http, `${options.name}${i}x`)),
  );
  const roomIds: string[] = [];
  for (let r = 0; r < roomCount; r++) {
    const creator = guests[r];
    if (!creator) throw new Error('fewer clients than rooms');
    roomIds.push(await createRoom(options.http, creator.token));
  }
  const clients = guests.map(
    (guest, i) =>
      new FleetClient(options, {
        ...guest,
        tag: `${options.name}-${i}`,
        roomId: roomIds[Math.floor(i / 2) % roomCount] as string,
      }),
  );
  const concurrency = options.joinConcurrency ?? 1;
  for (let i = 0; i < clients.length; i += concurrency) {
    await Promise.all(clients.slice(i, i + concurrency).map((c) => c.join()));
  }
  const scenario = {
    name: options.name,
    clients,
    roomIds,
    /** When the clients last stopped sending (performance.now()); 0 while they never did. */
    stoppedAt: 0,
    startSending: (everyMs = 200) => {
      for (const c of clients) c.startSending(everyMs);
    },
    stopSending: () => {
      for (const c of clients) c.stopSending();
      scenario.stoppedAt = performance.now();
    },
    reconnects: () => clients.reduce((n, c) => n + c.reconnects, 0),
    close: () => {
      for (const c of clients) c.close();
    },
  };
  return scenario;
}

// ------------------------------------------------------------------ the database's view

export type StoredRow = { room_id: string; seq: number; client_message_id: string; sender_id: string; body: string };

export async function storedRows(db: pg.Pool, roomIds: string[]): Promise<Map<string, StoredRow[]>> {
  const result = await db.query<StoredRow>(
    'select room_id, seq, client_message_id, sender_id, body from messages where room_id = any($1) order by room_id, seq',
    [roomIds],
  );
  const byRoom = new Map<string, StoredRow[]>(roomIds.map((id) => [id, []]));
  for (const row of result.rows) byRoom.get(row.room_id)?.push(row);
  return byRoom;
}

const sameTimeline = (timeline: Message[], rows: StoredRow[]) =>
  timeline.length === rows.length &&
  timeline.every((m, i) => m.seq === rows[i]?.seq && m.clientMessageId === rows[i]?.client_message_id);

/**
 * Waits until every client is live with nothing pending and shows exactly what the database has;
 * ms since `since` (a performance.now()), or null if that did not happen within `boundMs` of it.
 */
export async function waitRecovered(
  scenario: Scenario,
  db: pg.Pool,
  since: number,
  boundMs: number,
  /** Stops waiting at once when this says recovery cannot come (a node crashed). */
  giveUp: () => boolean = () => false,
): Promise<number | null> {
  let gaveUp = false;
  const ready = await waitFor(
    async () => {
      if (giveUp()) {
        gaveUp = true;
        return true;
      }
      if (!scenario.clients.every((c) => c.live && c.rt.pending === 0)) return false;
      const rows = await storedRows(db, scenario.roomIds);
      return scenario.clients.every((c) => sameTimeline(c.timeline, rows.get(c.roomId) ?? []));
    },
    Math.max(0, boundMs - (performance.now() - since)),
    100,
  );
  return ready === null || gaveUp ? null : Math.round(performance.now() - since);
}

export type Figures = {
  recoveredMs: number | null;
  sent: number;
  acked: number;
  /** Acked messages not in the database (or stored under another seq than acked). */
  lost: number;
  /** The same send stored twice (same body), or a message shown twice by a client. */
  duplicated: number;
  /** Clients with sends still pending. */
  stuck: number;
  reconnects: number;
  /** Sends refused for good ('sendFailed' or a rejected promise). */
  failed: number;
  unacked: number;
  maxAckMs: number;
  /** Rooms whose seqs are not 1..n. */
  gaps: string[];
  /** Clients whose timeline is not the database's. */
  mismatched: string[];
  /** Clients that gave up ('closed' without close()). */
  closed: string[];
};

/** Stored rows by sender and clientMessageId: a send stored twice has two. */
export function bySend(rows: Map<string, StoredRow[]>): Map<string, StoredRow[]> {
  const stored = new Map<string, StoredRow[]>();
  for (const list of rows.values()) {
    for (const row of list) {
      const key = `${row.sender_id}\u0000${row.client_message_id}`;
      stored.set(key, [...(stored.get(key) ?? []), row]);
    }
  }
  return stored;
}

export async function assess(scenario: Scenario, db: pg.Pool, recoveredMs: number | null): Promise<Figures> {
  const rows = await storedRows(db, scenario.roomIds);
  const stored = bySend(rows);
  let sent = 0;
  let acked = 0;
  let lost = 0;
  let duplicated = 0;
  let failed = 0;
  let unacked = 0;
  let maxAckMs = 0;
  for (const client of scenario.clients) {
    for (const record of client.sends.values()) {
      sent += 1;
      if (record.failed !== undefined) failed += 1;
      if (record.ackedAt === undefined) {
        if (record.failed === undefined) unacked += 1;
        continue;
      }
      acked += 1;
      maxAckMs = Math.max(maxAckMs, record.ackedAt - record.sentAt);
      const found = stored.get(`${client.userId}\u0000${record.clientMessageId}`) ?? [];
      if (found.length === 0 || found[0]?.seq !== record.seq) lost += 1;
    }
    const seqs = new Set<number>();
    const ids = new Set<string>();
    for (const message of client.timeline) {
      if (seqs.has(message.seq) || ids.has(`${message.sender.id}\u0000${message.clientMessageId}`)) duplicated += 1;
      seqs.add(message.seq);
      ids.add(`${message.sender.id}\u0000${message.clientMessageId}`);
    }
  }
  const gaps: string[] = [];
  for (const [roomId, list] of rows) {
    const bodies = new Map<string, number>();
    for (const row of list) bodies.set(row.body, (bodies.get(row.body) ?? 0) + 1);
    for (const count of bodies.values()) if (count > 1) duplicated += count - 1;
    const wrong = list.findIndex((row, i) => row.seq !== i + 1);
    if (wrong >= 0) gaps.push(`room ${roomId}: seq ${list[wrong]?.seq} at position ${wrong + 1}`);
  }
  const mismatched = scenario.clients
    .filter((c) => !sameTimeline(c.timeline, rows.get(c.roomId) ?? []))
    .map((c) => {
      const want = rows.get(c.roomId) ?? [];
      return `${c.tag}: shows ${c.timeline.length} (last seq ${c.timeline.at(-1)?.seq ?? 0}), database ${want.length}`;
    });
  return {
    recoveredMs,
    sent,
    acked,
    lost,
    duplicated,
    stuck: scenario.clients.filter((c) => c.rt.pending > 0).length,
    reconnects: scenario.reconnects(),
    failed,
    unacked,
    maxAckMs: Math.round(maxAckMs),
    gaps,
    mismatched,
    closed: scenario.clients.flatMap((c) => c.closes.map((e) => `${c.tag}: ${e.code} ${e.reason}`)),
  };
}

/**
 * Every client's presence view against the truth (the users of its room whose client is live),
 * and the notices since `markPresence()`: a join notice about a user is real only if that user's
 * client really came in again (a new socket) meanwhile; any more are flaps.
 */
export function presenceFigures(scenario: Scenario) {
  const truth = new Map<string, Set<string>>();
  for (const c of scenario.clients) {
    if (!c.live) continue;
    const set = truth.get(c.roomId) ?? new Set<string>();
    set.add(c.userId);
    truth.set(c.roomId, set);
  }
  const rejoins = new Map(scenario.clients.map((c) => [c.userId, c.hellos - c.hellosAtMark]));
  const wrong: string[] = [];
  let spuriousJoins = 0;
  let comebacks = 0;
  let flaps = 0;
  for (const c of scenario.clients) {
    const want = truth.get(c.roomId) ?? new Set<string>();
    const missing = [...want].filter((id) => !c.view.has(id)).length;
    const extra = [...c.view.keys()].filter((id) => !want.has(id)).length;
    if (missing || extra) wrong.push(`${c.tag}: ${missing} missing, ${extra} extra`);
    for (const [userId, counts] of c.noticesAbout) {
      const rejoined = rejoins.get(userId) ?? 0;
      // A join is real when the user's client came in again, or when it follows a leave this
      // client was shown (a node taken for dead that came back); anything more is spurious.
      spuriousJoins += Math.max(0, counts.join - rejoined - counts.leave);
      comebacks += Math.min(counts.leave, Math.max(0, counts.join - rejoined));
      // Going and coming back more than once per real rejoin is flapping.
      flaps += Math.max(0, counts.leave - 1 - rejoined);
    }
  }
  return {
    wrong,
    joinNotices: scenario.clients.reduce((n, c) => n + c.joinNotices, 0),
    leaveNotices: scenario.clients.reduce((n, c) => n + c.leaveNotices, 0),
    /** New sockets that joined (each could be seen as a join by every other client of its room). */
    realJoins: [...rejoins.values()].reduce((n, r) => n + r, 0),
    /** Joins that followed a leave the same client was shown (a node given up for dead, back). */
    comebacks,
    spuriousJoins,
    flaps,
    errors: scenario.clients.flatMap((c) => c.presenceErrors.map((e) => `${c.tag}: ${e}`)),
  };
}

export function presenceLine(p: ReturnType<typeof presenceFigures>): string {
  return `  presence: ${p.joinNotices} join notices for ${p.realJoins} real joins and ${p.comebacks} comebacks after a leave (${p.spuriousJoins} spurious), ${p.leaveNotices} leave notices (${p.flaps} beyond one per user and rejoin), ${p.wrong.length} wrong views, ${p.errors.length} inconsistent notices`;
}

// ------------------------------------------------------------------ reporting

const artifactsDir = path.resolve(import.meta.dirname, '../../../../artifacts');
export const FAULTS_FILE = path.join(artifactsDir, 'faults.txt');

export function resetReport(): void {
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(FAULTS_FILE, `fault suite ${new Date().toISOString()}\n`);
}

/** Prints a line and appends it to artifacts/faults.txt. */
export function report(line: string): void {
  console.log(line);
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.appendFileSync(FAULTS_FILE, `${line}\n`);
}

export function faultLine(name: string, f: Figures): string {
  const recovered = f.recoveredMs === null ? 'did not recover within the bound' : `recovered in ${f.recoveredMs} ms`;
  return `fault ${name}: ${recovered}, lost ${f.lost}, duplicated ${f.duplicated}, stuck ${f.stuck}, reconnects ${f.reconnects}`;
}

export function detailLine(f: Figures): string {
  const parts = [
    `sent ${f.sent}`,
    `acked ${f.acked}`,
    `failed ${f.failed}`,
    `unacked ${f.unacked}`,
    `slowest ack ${f.maxAckMs} ms`,
  ];
  if (f.gaps.length) parts.push(`gaps: ${f.gaps.join('; ')}`);
  if (f.mismatched.length) parts.push(`timelines unlike the database: ${f.mismatched.slice(0, 4).join('; ')}`);
  if (f.closed.length) parts.push(`gave up: ${f.closed.slice(0, 4).join('; ')}`);
  return `  ${parts.join(', ')}`;
}
