import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { isRunning, type ServerProcess, startServerProcess, stopServerProcess } from '../../scripts/server-process.ts';

/**
 * A bounded fuzz run against a real server process: random and mutated frames on `/ws` and
 * `/ws/code` (signed in and not) and random REST requests on every operation of the OpenAPI
 * document at `/docs/json`. Seeded, so a failure reproduces: `FUZZ_SEED=<seed> npm run fuzz -- <count>`.
 *
 * What must hold: the process stays up, no response is a 500 (and no `/ws` error frame says
 * `internal`), no line is logged at error level or above, `/healthz` always answers within the
 * limit (probed from a worker thread all along), and the process's RSS comes back to within 20 %
 * of where it started once the run is over.
 *
 *   node apps/server/test/hostile/fuzz.ts [count]     (npm run fuzz: 200 000)
 */

export type FuzzOptions = {
  count: number;
  seed?: number;
  /** Requests and socket tasks in flight at once. */
  concurrency?: number;
  /** DATABASE_URL for the server; a fresh SQLite file by default. */
  databaseUrl?: string;
  healthzLimitMs?: number;
  log?: (line: string) => void;
};

export type FuzzReport = {
  seed: number;
  inputs: number;
  byKind: Record<string, number>;
  status: Record<string, number>;
  wsErrorCodes: Record<string, number>;
  fiveHundreds: string[];
  /** Requests that got no answer at all while the server stayed up (a kept-alive connection closed under the request): reported, not failed. */
  networkErrors: string[];
  internalFrames: string[];
  errorLogLines: string[];
  crashed: boolean;
  healthz: { probes: number; maxMs: number; p99Ms: number; slow: number };
  rss: { beforeKiB: number; afterKiB: number; peakKiB: number; ratio: number };
  /** From the server's /metrics: the JS heap in use and open handles, before and after (a leak in JS shows here, RSS alone does not say). */
  heap: { beforeMiB: number; afterMiB: number; handlesBefore: number; handlesAfter: number };
  /** The slowest REST answers, to tell a slow input from a busy machine. */
  slowest: Array<{ ms: number; what: string }>;
  seconds: number;
};

// ------------------------------------------------------------------ randomness

export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d\ude00',
  '\u202e',
  '\u200b',
  '\r\n',
  '%',
  '%E0%A4%A',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  ['$', '{jndi:ldap://x}'].join(''),
  '__proto__',
  'constructor',
  'null',
  '9'.repeat(40),
  '-1',
  '1e400',
  'ＡＢＣ',
  'é',
  '\\',
  '"',
];
const ODD_NUMBERS = [0, -1, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, 0.5, -0, 1e-300];

function randomString(r: Rng, max = 80): string {
  if (r.chance(0.3)) return r.pick(ODD_STRINGS);
  if (r.chance(0.05)) return r.pick(ODD_STRINGS).repeat(1 + r.int(2000));
  const n = r.int(max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r.int(10);
    s += String.fromCharCode(
      k < 6 ? 32 + r.int(95) : k < 8 ? r.int(0x800) : k < 9 ? r.int(0x10000) : r.pick([0, 0xd800, 0xdc00, 0xfffe]),
    );
  }
  return s;
}

function randomJson(r: Rng, depth = 0): unknown {
  const k = r.int(depth > 3 ? 5 : 8);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.chance(0.5) ? r.pick(ODD_NUMBERS) : r.int(1000);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return Array.from({ length: r.int(5) }, () => randomJson(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--)
        o[r.chance(0.7) ? randomString(r, 12) : r.pick(ODD_STRINGS)] = randomJson(r, depth + 1);
      return o;
    }
  }
}

/** A copy of `value` with one to three changes: a field dropped, retyped, made odd, or added. */
function mutate(r: Rng, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 4) {
    if (typeof value === 'string' && r.chance(0.5)) {
      const s = randomString(r, 20);
      const at = r.int(value.length + 1);
      return value.slice(0, at) + s + value.slice(at + (r.chance(0.5) ? 1 : 0));
    }
    if (typeof value === 'number' && r.chance(0.6)) return r.pick(ODD_NUMBERS);
    return randomJson(r, depth);
  }
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length > 0 && r.chance(0.6)) {
      const i = r.int(copy.length);
      copy[i] = mutate(r, copy[i], depth + 1);
    } else if (r.chance(0.5)) copy.push(randomJson(r, depth + 1));
    else if (r.chance(0.3) && (JSON.stringify(copy[0]) ?? '').length < 2000) {
      // Many of one small element; never a giant (a 10 MB string would stall this process, and
      // with it the draining of the server's log pipe, which then stalls the server).
      return Array.from({ length: 150 }, () => copy[0] ?? 1);
    }
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  for (let n = 1 + r.int(3); n > 0; n--) {
    const key = keys.length > 0 ? r.pick(keys) : undefined;
    const k = r.int(4);
    if (key !== undefined && k === 0) delete copy[key];
    else if (key !== undefined && k <= 2) copy[key] = mutate(r, copy[key], depth + 1);
    else copy[r.chance(0.5) ? randomString(r, 10) : '__proto__'] = randomJson(r, depth + 1);
  }
  return copy;
}

/** JSON text, sometimes broken on purpose. */
function jsonText(r: Rng, value: unknown): string {
  const text = (JSON.stringify(value) ?? 'null').slice(0, 300_000);
  const k = r.int(20);
  if (k === 0) return text.slice(0, r.int(text.length));
  if (k === 1) {
    const at = r.int(text.length);
    return text.slice(0, at) + r.pick(['"', '{', ']', ',', '\\', '\\u12', '\u0000']) + text.slice(at);
  }
  if (k === 2) return '['.repeat(r.int(5000)) + ']'.repeat(r.int(5000));
  if (k === 3) return `{"a":${'{"a":'.repeat(r.int(3000))}1${'}'.repeat(r.int(3000))}}`;
  return text;
}

/** encodeURIComponent, but a lone surrogate becomes the %-escapes of its (invalid) UTF-8 bytes. */
const enc = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return `${encodeURIComponent(s.toWellFormed())}%ED%A0%80`;
  }
};

// ------------------------------------------------------------------ what the server offers

type Operation = {
  method: string;
  path: string;
  params: string[];
  query: string[];
  examples: unknown[];
  multipart: boolean;
};

type OpenApi = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string }>;
        requestBody?: {
          content?: Record<
            string,
            { schema?: { examples?: unknown[] }; examples?: Record<string, { value: unknown }> }
          >;
        };
      }
    >
  >;
};

function operationsOf(doc: OpenApi): Operation[] {
  const ops: Operation[] = [];
  for (const [route, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const content = op.requestBody?.content ?? {};
      const json = content['application/json'];
      const examples = [...(json?.schema?.examples ?? []), ...Object.values(json?.examples ?? {}).map((e) => e.value)];
      ops.push({
        method: method.toUpperCase(),
        path: route,
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        examples: examples.length > 0 ? examples : [{}],
        multipart: 'multipart/form-data' in content,
      });
    }
  }
  return ops;
}

// ------------------------------------------------------------------ measuring

function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Probes `/healthz` one request after another from a worker thread until told to stop. */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false;
parentPort.on('message', () => { stop = true; });
(async () => {
  const latencies = [];
  // The worker's own first requests (loading fetch, opening the connection) are not the server's.
  for (let i = 0; i < 3; i++) await (await fetch(workerData.url)).arrayBuffer();
  parentPort.postMessage('ready');
  while (!stop) {
    const started = performance.now();
    try {
      const res = await fetch(workerData.url, { signal: AbortSignal.timeout(10000) });
      await res.arrayBuffer();
      latencies.push(res.status === 200 ? performance.now() - started : 1e9);
    } catch { latencies.push(1e9); }
    await new Promise((r) => setTimeout(r, 25));
  }
  parentPort.postMessage(latencies);
})();
`;

function probeHealthz(url: string) {
  const worker = new Worker(PROBE, { eval: true, workerData: { url } });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const result = ready.then(
    () =>
      new Promise<number[]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
  );
  return {
    ready,
    async stop() {
      worker.postMessage('stop');
      const latencies = await result;
      await worker.terminate();
      return latencies;
    },
  };
}

// ------------------------------------------------------------------ /ws/code messages (Hocuspocus)

function varUint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f));
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const varString = (s: string) => {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [...varUint(bytes.length), ...bytes];
};
/** Hocuspocus: document name, message type, payload. Auth = 2, token = 0; Sync = 0, step 1 = 0. */
const codeAuth = (doc: string, token: string) => Buffer.from([...varString(doc), 2, 0, ...varString(token)]);
const codeSyncStep1 = (doc: string) => Buffer.from([...varString(doc), 0, 0, ...varUint(1), 0]);

function codeJunk(r: Rng, doc: string): Buffer {
  const k = r.int(5);
  const junk = Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256)));
  if (k === 0) return junk;
  if (k === 1) return Buffer.from([...varString(r.chance(0.5) ? doc : randomString(r, 30)), r.int(12), ...junk]);
  if (k === 2) return Buffer.from([...varString(doc), 0, r.int(4), ...junk]);
  if (k === 3) return Buffer.from([...varUint(2 ** 31 + r.int(1000)), ...junk]);
  const base = r.chance(0.5) ? codeSyncStep1(doc) : codeAuth(doc, 'x'.repeat(r.int(40)));
  const copy = Buffer.from(base);
  copy[r.int(copy.length)] = r.int(256);
  return copy;
}

// ------------------------------------------------------------------ the run

type Person = {
  token: string;
  userId: string;
  chatRoom: string;
  codeRoom: string;
  secretRoom: string;
  deviceId: string;
};

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? (Date.now() ^ (process.pid << 8)) >>> 0;
  const log = options.log ?? ((line: string) => console.log(line));
  log(`fuzz: seed ${seed} (reproduce with FUZZ_SEED=${seed}), ${options.count} inputs`);
  const r = prng(seed);
  const concurrency = options.concurrency ?? 4;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-fuzz-'));
  const started = performance.now();
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess('fuzz', {
      DATABASE_URL: options.databaseUrl ?? `sqlite:${path.join(dir, 'fuzz.db')}`,
      UPLOAD_DIR: path.join(dir, 'uploads'),
      UPLOAD_MIN_FREE_DISK: '0',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info', // the start-up line says where it listens
      DEFAULT_ROOMS: '',
      AUTH_RATE_LIMIT: '100000',
      SEND_RATE_LIMIT: '1000000',
      UPLOAD_RATE_LIMIT: '100000',
      AUTOCOMPLETE_RATE_LIMIT: '100000',
      WS_SENDS_PER_SECOND: '100000',
      WS_SEND_BURST: '100000',
      WS_MAX_SOCKETS_PER_USER: '1000',
      WS_AUTH_TIMEOUT: '2s',
      LOGIN_MAX_FAILURES: '1000',
    });
    const { http } = server;
    const pid = server.child.pid as number;
    const wsUrl = `${http.replace('http', 'ws')}/ws`;
    const codeUrl = `${http.replace('http', 'ws')}/ws/code`;

    // Who and what the inputs can name: a few people, each with a chat, a code and an encrypted room.
    const call = async (method: string, url: string, token?: string, body?: unknown) => {
      const res = await fetch(`${http}${url}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> | null };
    };
    const people: Person[] = [];
    for (let i = 0; i < 6; i++) {
      const g = await call('POST', '/auth/guest', undefined, { username: `fuzz${seed % 10000}x${i}` });
      const token = g.json?.token as string;
      const userId = (g.json?.user as { id: string } | undefined)?.id ?? '';
      const room = async (body: object) => (await call('POST', '/rooms', token, body)).json?.roomId as string;
      people.push({
        token,
        userId,
        chatRoom: await room({ name: `fuzz chat ${seed} ${i}` }),
        codeRoom: await room({ name: `fuzz code ${seed} ${i}`, kind: 'code' }),
        secretRoom: await room({ name: `fuzz secret ${seed} ${i}`, encrypted: true }),
        deviceId: `fuzzdevice${i}`,
      });
    }
    const doc = (await call('GET', '/docs/json')).json as unknown as OpenApi;
    const ops = operationsOf(doc);
    log(`fuzz: ${ops.length} REST operations from /docs/json`);
    const ids = () => {
      const p = r.pick(people);
      return [p.chatRoom, p.codeRoom, p.secretRoom, p.userId, p.deviceId];
    };

    const report: FuzzReport = {
      seed,
      inputs: 0,
      byKind: {},
      status: {},
      wsErrorCodes: {},
      fiveHundreds: [],
      networkErrors: [],
      internalFrames: [],
      errorLogLines: [],
      crashed: false,
      healthz: { probes: 0, maxMs: 0, p99Ms: 0, slow: 0 },
      rss: { beforeKiB: 0, afterKiB: 0, peakKiB: 0, ratio: 0 },
      heap: { beforeMiB: 0, afterMiB: 0, handlesBefore: 0, handlesAfter: 0 },
      slowest: [],
      seconds: 0,
    };
    const count = (kind: string, n = 1) => {
      report.byKind[kind] = (report.byKind[kind] ?? 0) + n;
      report.inputs += n;
    };

    // ---------------------------------------------------------------- REST
    const pathFor = (op: Operation) =>
      op.path.replace(/\{(\w+)\}/g, () => {
        const k = r.int(10);
        if (k < 6) return enc(r.pick(ids()));
        if (k < 8) return enc(randomString(r, 70));
        return r.pick(['%', '%E0%A4%A', '%00', '..', 'a'.repeat(250), '%2F', '%FF%FE']);
      });
    const restOne = async () => {
      const op = r.pick(ops);
      let url = pathFor(op);
      const query = [...op.query, ...(r.chance(0.1) ? [randomString(r, 8)] : [])]
        .filter(() => r.chance(0.6))
        .map((q) => {
          const v = r.chance(0.5) ? String(r.pick(ODD_NUMBERS)) : randomString(r, 30);
          return `${enc(q)}=${r.chance(0.9) ? enc(v) : v.replace(/[#\s]/g, '')}`;
        });
      if (query.length > 0) url += `?${query.join('&')}`;
      const who = r.chance(0.75)
        ? r.pick(people).token
        : r.chance(0.5)
          ? undefined
          : randomString(r, 40).replace(/[^\x21-\x7e]/g, '');
      const headers: Record<string, string> = {};
      // Sessions stay alive: signing out and registering over a person's token are sent without it.
      const ending = /logout|register|guest|login/.test(op.path);
      if (who && !ending) headers.authorization = `Bearer ${who}`;
      let body: string | undefined;
      if (op.method !== 'GET') {
        if (op.multipart || r.chance(0.03)) {
          const boundary = r.chance(0.8) ? 'fuzzboundary' : randomString(r, 10).replace(/[^\w]/g, '');
          headers['content-type'] = r.chance(0.9) ? `multipart/form-data; boundary=${boundary}` : 'multipart/form-data';
          const part = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${randomString(r, 20).replace(/["\r\n]/g, '')}"\r\nContent-Type: ${r.pick(['text/plain', 'image/png', 'text/html', randomString(r, 10)])}\r\n\r\n${randomString(r, 200)}\r\n`;
          body = r.chance(0.5) ? `${part}--${boundary}--\r\n` : part.slice(0, r.int(part.length + 1));
        } else {
          const k = r.int(10);
          const value = k < 7 ? mutate(r, r.pick(op.examples)) : randomJson(r);
          headers['content-type'] = r.chance(0.95)
            ? 'application/json'
            : r.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', '']);
          if (headers['content-type'] === '') delete headers['content-type'];
          body = jsonText(r, value);
        }
      }
      let status: number;
      const sent = performance.now();
      try {
        const res = await fetch(`${http}${url}`, {
          method: op.method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch (error) {
        status = -1;
        if (!isRunning(server?.child as ServerProcess['child'])) report.crashed = true;
        else report.networkErrors.push(`${op.method} ${url.slice(0, 100)}: ${String((error as Error).cause ?? error)}`);
      }
      const ms = performance.now() - sent;
      if (report.slowest.length < 5 || ms > (report.slowest.at(-1)?.ms ?? 0)) {
        report.slowest.push({
          ms: Math.round(ms),
          what: `${status} ${op.method} ${url.slice(0, 100)} ${body?.length ?? 0} B`,
        });
        report.slowest.sort((a, b) => b.ms - a.ms);
        report.slowest.length = Math.min(report.slowest.length, 5);
      }
      report.status[String(status)] = (report.status[String(status)] ?? 0) + 1;
      if (status === 500 && report.fiveHundreds.length < 10) {
        report.fiveHundreds.push(`${op.method} ${url} ${body?.slice(0, 300) ?? ''}`);
      }
      count('rest');
    };

    // ---------------------------------------------------------------- /ws
    const frameTemplates = (p: Person): Array<Record<string, unknown>> => [
      { type: 'auth', token: p.token },
      { type: 'join', ref: 'j', roomId: p.chatRoom },
      { type: 'join', ref: 'j', roomName: `fuzz chat ${seed} 0`, lastSeq: 0 },
      { type: 'leave', ref: 'l', roomId: p.chatRoom },
      {
        type: 'send',
        ref: 's',
        roomId: p.chatRoom,
        clientMessageId: `c${r.int(1e9)}`,
        body: 'hello',
        attachmentIds: [],
      },
      { type: 'typing', roomId: p.chatRoom, active: true },
      { type: 'read', ref: 'r', roomId: p.chatRoom, seq: 1 },
      { type: 'ping', ref: 'p' },
      { type: 'watch_rooms', ref: 'w', active: true },
    ];
    const wsFrame = (p: Person): string | Buffer => {
      const k = r.int(20);
      if (k === 0) return Buffer.from(Array.from({ length: r.int(100) }, () => r.int(256)));
      if (k <= 2) return jsonText(r, randomJson(r));
      const template = r.pick(frameTemplates(p));
      return jsonText(r, r.chance(0.15) ? template : mutate(r, template));
    };
    type Tracked = { socket: WebSocket; internal: number };
    const watch = (socket: WebSocket, note: (code: string, frame: string) => void) => {
      socket.on('message', (data, binary) => {
        if (binary) return;
        const text = String(data);
        if (!text.includes('"type":"error"')) return;
        const code = /"code":"(\w+)"/.exec(text)?.[1] ?? '?';
        note(code, text);
      });
      socket.on('error', () => {});
    };
    const opened = (url: string, headers: Record<string, string> = {}) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(url, { headers });
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
        socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      });
    let lastInternal = '';
    const noteWs = (code: string, frame: string) => {
      report.wsErrorCodes[code] = (report.wsErrorCodes[code] ?? 0) + 1;
      if (code === 'internal' && report.internalFrames.length < 10)
        report.internalFrames.push(`${frame} after ${lastInternal}`);
    };
    const pool: Array<Tracked | undefined> = [];
    const authedSocket = async (slot: number): Promise<Tracked> => {
      const existing = pool[slot];
      if (existing && existing.socket.readyState === WebSocket.OPEN) return existing;
      const p = people[slot % people.length] as Person;
      const socket = await opened(wsUrl, { authorization: `Bearer ${p.token}` });
      const tracked = { socket, internal: 0 };
      watch(socket, noteWs);
      pool[slot] = tracked;
      return tracked;
    };
    /** Sends a few frames then a ping, and waits for its pong: the server handles frames in order. */
    const wsTask = async (slot: number) => {
      const p = people[slot % people.length] as Person;
      const signedIn = r.chance(0.85);
      let socket: WebSocket;
      try {
        socket = signedIn ? (await authedSocket(slot)).socket : await opened(wsUrl);
      } catch {
        count('ws-connect-refused');
        return;
      }
      if (!signedIn) watch(socket, noteWs);
      const frames = 1 + r.int(6);
      const ref = `probe${r.int(1e9)}`;
      const pong = new Promise<void>((resolve) => {
        const done = () => {
          socket.off('message', onMessage);
          socket.off('close', done);
          clearTimeout(timer);
          resolve();
        };
        const onMessage = (data: unknown) => {
          if (String(data).includes(ref)) done();
        };
        const timer = setTimeout(done, 10_000);
        socket.on('message', onMessage);
        socket.on('close', done);
      });
      for (let i = 0; i < frames && socket.readyState === WebSocket.OPEN; i++) {
        const frame = wsFrame(p);
        lastInternal = typeof frame === 'string' ? frame.slice(0, 200) : '<binary>';
        socket.send(frame);
        count(signedIn ? 'ws-signed-in' : 'ws-anonymous');
      }
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'ping', ref }));
      await pong;
      if (!signedIn) socket.terminate();
    };

    // ---------------------------------------------------------------- /ws/code
    const codeTask = async () => {
      const p = r.pick(people);
      const docName = r.chance(0.8) ? p.codeRoom : r.pick([p.chatRoom, randomString(r, 30)]);
      let socket: WebSocket;
      try {
        socket = await opened(codeUrl);
      } catch {
        count('code-connect-refused');
        return;
      }
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const signedIn = r.chance(0.7);
      if (signedIn) {
        socket.send(codeAuth(docName, p.token));
        socket.send(codeSyncStep1(docName));
      }
      for (let n = 1 + r.int(5); n > 0 && socket.readyState === WebSocket.OPEN; n--) {
        socket.send(codeJunk(r, docName));
        count(signedIn ? 'code-signed-in' : 'code-anonymous');
      }
      await Promise.race([closed, new Promise((res) => setTimeout(res, 20 + r.int(60)))]);
      socket.terminate();
      await closed;
    };

    // ---------------------------------------------------------------- go
    const warmUp = Math.min(500, Math.floor(options.count / 20));
    const runUntil = async (target: number) => {
      let slot = 0;
      const worker = async (id: number) => {
        while (report.inputs < target && !report.crashed) {
          const k = r.next();
          if (k < 0.55) await restOne();
          else if (k < 0.9) await wsTask(id + (slot++ % 2) * concurrency);
          else await codeTask();
          if (!isRunning(server?.child as ServerProcess['child'])) report.crashed = true;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
    };
    await runUntil(warmUp);
    await new Promise((res) => setTimeout(res, 2000));
    report.rss.beforeKiB = rssKiB(pid);
    const heapNow = async () => {
      const text = await (await fetch(`${http}/metrics`)).text();
      const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? 0);
      return {
        mib: Math.round(metric('tandem_nodejs_heap_size_used_bytes') / 1048576),
        handles: metric('tandem_nodejs_active_handles_total'),
      };
    };
    const heapBefore = await heapNow();
    report.heap.beforeMiB = heapBefore.mib;
    report.heap.handlesBefore = heapBefore.handles;
    const probe = probeHealthz(`${http}/healthz`);
    await probe.ready;
    const sampler = setInterval(() => {
      if (isRunning(server?.child as ServerProcess['child']))
        report.rss.peakKiB = Math.max(report.rss.peakKiB, rssKiB(pid));
    }, 500);
    const fuzzStarted = performance.now();
    let lastShown = 0;
    const progress = setInterval(() => {
      if (report.inputs - lastShown >= 10_000) {
        lastShown = report.inputs;
        log(`fuzz: ${report.inputs} inputs, ${Math.round((performance.now() - fuzzStarted) / 1000)} s`);
      }
    }, 1000);
    await runUntil(options.count);
    clearInterval(progress);
    clearInterval(sampler);
    const latencies = (await probe.stop()).sort((a, b) => a - b);
    const limit = options.healthzLimitMs ?? 100;
    report.healthz = {
      probes: latencies.length,
      maxMs: Math.round((latencies.at(-1) ?? 0) * 10) / 10,
      p99Ms: Math.round((latencies[Math.floor(latencies.length * 0.99)] ?? 0) * 10) / 10,
      slow: latencies.filter((l) => l > limit).length,
    };
    for (const tracked of pool) tracked?.socket.terminate();

    // Memory: the process has time to collect before RSS is read (up to 30 s, until within 20 %).
    if (isRunning(server.child)) {
      const deadline = performance.now() + 30_000;
      do {
        await new Promise((res) => setTimeout(res, 1000));
        report.rss.afterKiB = rssKiB(pid);
      } while (report.rss.afterKiB > report.rss.beforeKiB * 1.2 && performance.now() < deadline);
      report.rss.ratio = Math.round((report.rss.afterKiB / report.rss.beforeKiB) * 100) / 100;
      const heapAfter = await heapNow();
      report.heap.afterMiB = heapAfter.mib;
      report.heap.handlesAfter = heapAfter.handles;
    } else report.crashed = true;
    report.errorLogLines = server.problems
      .filter((line) => line.startsWith('stderr') || Number(/"level":(\d+)/.exec(line)?.[1] ?? 0) >= 50)
      .slice(0, 10)
      .map((line) => line.slice(0, 1000));
    report.seconds = Math.round((performance.now() - started) / 100) / 10;
    return report;
  } finally {
    if (server) await stopServerProcess(server.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures, one line each, and what failed. */
export function describeReport(report: FuzzReport, healthzLimitMs = 100): { lines: string[]; failures: string[] } {
  const lines = [
    `fuzz: seed ${report.seed}: ${report.inputs} inputs in ${report.seconds} s`,
    `  by kind: ${Object.entries(report.byKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  REST statuses: ${Object.entries(report.status)
      .sort()
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}`,
    `  REST 4xx: ${Object.entries(report.status).reduce((n, [k, v]) => n + (k.startsWith('4') ? v : 0), 0)}, 5xx: ${Object.entries(report.status).reduce((n, [k, v]) => n + (k.startsWith('5') ? v : 0), 0)}`,
    `  /ws error frames: ${Object.entries(report.wsErrorCodes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  requests without an answer (server up): ${report.networkErrors.length}${report.networkErrors.length > 0 ? ` (${report.networkErrors.slice(0, 3).join('; ')})` : ''}`,
    `  /healthz: ${report.healthz.probes} probes, max ${report.healthz.maxMs} ms, p99 ${report.healthz.p99Ms} ms, over ${healthzLimitMs} ms: ${report.healthz.slow}`,
    `  slowest REST answers: ${report.slowest.map((s) => `${s.ms} ms ${s.what}`).join('; ')}`,
    `  JS heap in use: ${report.heap.beforeMiB} MiB before, ${report.heap.afterMiB} MiB after; handles ${report.heap.handlesBefore} → ${report.heap.handlesAfter}`,
    `  RSS: ${Math.round(report.rss.beforeKiB / 1024)} MiB before, ${Math.round(report.rss.peakKiB / 1024)} MiB peak, ${Math.round(report.rss.afterKiB / 1024)} MiB after (${report.rss.ratio}×)`,
  ];
  const failures: string[] = [];
  if (report.crashed) failures.push('the server process exited');
  if ((report.status['500'] ?? 0) > 0 || report.fiveHundreds.length > 0) {
    failures.push(`${report.status['500'] ?? 0} responses with status 500:\n    ${report.fiveHundreds.join('\n    ')}`);
  }
  if (report.internalFrames.length > 0)
    failures.push(`/ws internal errors:\n    ${report.internalFrames.join('\n    ')}`);
  if (report.errorLogLines.length > 0) failures.push(`error log lines:\n    ${report.errorLogLines.join('\n    ')}`);
  if (report.healthz.maxMs > healthzLimitMs)
    failures.push(`/healthz took ${report.healthz.maxMs} ms (limit ${healthzLimitMs} ms)`);
  if (report.rss.ratio > 1.2) failures.push(`RSS did not come back within 20 %: ${report.rss.ratio}×`);
  return { lines, failures };
}

if (import.meta.main) {
  const count = Number(process.argv[2] ?? 200_000);
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  const report = await runFuzz({
    count,
    ...(seed === undefined ? {} : { seed }),
    ...(process.env.FUZZ_DATABASE_URL ? { databaseUrl: process.env.FUZZ_DATABASE_URL } : {}),
  });
  const { lines, failures } = describeReport(report);
  for (const line of lines) console.log(line);
  for (const failure of failures) console.error(`FAIL: ${failure}`);
  process.exit(failures.length > 0 ? 1 : 0);
}
