/**
 * The load generator: one process (pinned to its own core by the runner), one TCP socket per
 * member, each server spoken to in its own wire format by the same minimal client (wire.ts).
 *
 * - `traffic`: open loop — senders send on schedule whatever the replies. Latency is send →
 *   receipt at every member, the send stamp read from the raw frame bytes (no JSON parsing per
 *   delivery). Tandem's ack to the sender gives the ack latency (send → stored and confirmed).
 * - `idle`: connects and joins every member, and reads the server's memory before and after.
 * - `history`: Tandem only: join + last 50 messages, over the socket and over REST.
 *
 * Reports its own CPU and event-loop use, and how late its sends went out, so that a run where
 * the generator rather than the server was the bottleneck is flagged.
 *
 * argv[2]: path of a JSON Plan. Writes one JSON line (Result, IdleResult or HistoryResult).
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ClientFrame, ServerFrame } from '@tandem/protocol';
import type { HistoryResult, IdleResult, Plan, Result } from './plan.ts';
import { cpuMs, rssKb, tcpMemKb } from './proc.ts';
import { readStamp, reads, startsWith, WireClient } from './wire.ts';

const plan = JSON.parse(fs.readFileSync(process.argv[2] ?? '', 'utf8')) as Plan;
const members = plan.rooms.length * plan.membersPerRoom;

class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}
const pick = (sorted: Float64Array, q: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) : Number.NaN;

// Wire formats. Tandem frames are built from packages/protocol's types, so a protocol change
// breaks this file at compile time; the prefixes below are typed the same way.
const frame = (f: ClientFrame) => JSON.stringify(f);
const typePrefix = (type: ServerFrame['type']) => Buffer.from(`{"type":"${type}"`);
const TANDEM_ACK = typePrefix('ack');
const TANDEM_MESSAGE = typePrefix('message');
const TANDEM_ERROR = typePrefix('error');
const TANDEM_BODY = Buffer.from('"body":"t:');
const PLAIN_STAMP = Buffer.from('t:');
const SIO_EVENT = Buffer.from('42["msg","t:');

function pathFor(room: string): string {
  const q = encodeURIComponent(room);
  switch (plan.kind) {
    case 'ws':
      return `/?room=${q}`;
    case 'socketio':
      return `/socket.io/?EIO=4&transport=websocket&room=${q}`;
    case 'fastapi':
      return `/ws?room=${q}`;
    case 'tandem':
      return '/ws';
  }
}

function outgoing(room: string, body: string, clientMessageId: string): string {
  switch (plan.kind) {
    case 'ws':
    case 'fastapi':
      return body;
    case 'socketio':
      return `42${JSON.stringify(['msg', body])}`;
    case 'tandem':
      return frame({ type: 'send', roomId: room, clientMessageId, body });
  }
}

/** Opens member i's socket and joins its room; resolves when it is in. */
async function connect(i: number): Promise<WireClient> {
  const room = plan.rooms[Math.floor(i / plan.membersPerRoom)] as string;
  const headers: Record<string, string> = plan.kind === 'tandem' ? { authorization: `Bearer ${plan.tokens?.[i]}` } : {};
  const client = await WireClient.connect(plan.port, pathFor(room), headers);
  if (plan.kind === 'ws' || plan.kind === 'fastapi') return client;
  await new Promise<void>((resolve, reject) => {
    client.onClose = () => reject(new Error(`member ${i} was closed while joining`));
    client.onText = (data, start, end) => {
      const text = data.toString('utf8', start, end);
      if (plan.kind === 'socketio') {
        if (text.startsWith('0{')) client.send('40');
        else if (text.startsWith('40')) resolve();
        else if (text === '2') client.send('3');
      } else {
        if (text.startsWith('{"type":"hello"')) client.send(frame({ type: 'join', roomId: room }));
        else if (text.startsWith('{"type":"joined"')) resolve();
        else if (text.startsWith('{"type":"error"')) reject(new Error(`member ${i}: ${text}`));
      }
    };
  });
  client.onClose = () => {};
  client.onText = () => {};
  return client;
}

async function connectAll(): Promise<WireClient[]> {
  const clients: WireClient[] = [];
  const batch = plan.kind === 'tandem' ? 50 : 200;
  for (let i = 0; i < members; i += batch) {
    const n = Math.min(batch, members - i);
    clients.push(...(await Promise.all(Array.from({ length: n }, (_, k) => connect(i + k)))));
  }
  return clients;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function traffic(): Promise<Result> {
  const connectStart = performance.now();
  const rssStart0 = rssKb(plan.serverPid);
  const clients = await connectAll();
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const nonReaders = plan.nonReadersPerRoom ?? 0;
  const readersPerRoom = plan.membersPerRoom - nonReaders;

  const latencies = new Samples();
  const ackLatencies = new Samples();
  const lags = new Samples();
  let measureFrom = Number.POSITIVE_INFINITY;
  let measureUntil = Number.POSITIVE_INFINITY;
  let delivered = 0;
  let acks = 0;
  let errors = 0;
  let firstError: string | undefined;
  let closedByServer = 0;
  let closedReaders = 0;
  let ending = false;

  const count = (stamp: number, now: number) => {
    if (stamp < measureFrom || stamp > measureUntil) return;
    delivered += 1;
    latencies.push(now - stamp);
  };
  // Each TCP read is handled in one go; its frames all arrived at the same moment.
  let readAt = 0;
  let readAtTick = -1;
  const now = () => {
    if (readAtTick !== reads.count) {
      readAt = performance.now();
      readAtTick = reads.count;
    }
    return readAt;
  };
  const onText = (data: Buffer, start: number, end: number, client: WireClient) => {
    if (plan.kind === 'tandem') {
      if (startsWith(data, start, TANDEM_MESSAGE)) {
        const at = data.indexOf(TANDEM_BODY, start);
        if (at >= 0 && at < end) count(readStamp(data, at + TANDEM_BODY.length, end), now());
      } else if (startsWith(data, start, TANDEM_ACK)) {
        acks += 1;
        const at = data.indexOf(TANDEM_BODY, start);
        const stamp = at >= 0 && at < end ? readStamp(data, at + TANDEM_BODY.length, end) : Number.NaN;
        if (stamp >= measureFrom && stamp <= measureUntil) ackLatencies.push(now() - stamp);
      } else if (startsWith(data, start, TANDEM_ERROR)) {
        errors += 1;
        firstError ??= data.toString('utf8', start, Math.min(end, start + 300));
      }
    } else if (plan.kind === 'socketio') {
      if (startsWith(data, start, SIO_EVENT)) count(readStamp(data, start + SIO_EVENT.length, end), now());
      else if (end - start === 1 && data[start] === 0x32) client.send('3');
    } else if (startsWith(data, start, PLAIN_STAMP)) count(readStamp(data, start + 2, end), now());
  };
  clients.forEach((client, i) => {
    const reader = i % plan.membersPerRoom < readersPerRoom;
    client.onText = onText;
    client.onClose = () => {
      if (ending) return;
      closedByServer += 1;
      if (reader) closedReaders += 1;
    };
    if (!reader) client.stopReading();
  });

  // Let the joins' presence notices drain before the clock starts.
  await sleep(300);
  let sentTotal = 0;
  let sent = 0;
  const start = performance.now();
  measureFrom = start + plan.warmupMs;
  measureUntil = measureFrom + plan.durationMs;
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const serverCpuBefore = cpuMs(plan.serverPid);
  let rssPeak = rssStart0;
  const rssStart = rssKb(plan.serverPid);
  const tcpMemStart = tcpMemKb();
  let tcpMemPeak = tcpMemStart;
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssKb(plan.serverPid));
    tcpMemPeak = Math.max(tcpMemPeak, tcpMemKb());
  }, 250);

  const interval = 1000 / plan.ratePerSender;
  const senders: Array<{ client: WireClient; room: string; id: number }> = [];
  for (let r = 0; r < plan.rooms.length; r++) {
    for (let s = 0; s < plan.sendersPerRoom; s++) {
      const client = clients[r * plan.membersPerRoom + s];
      if (client) senders.push({ client, room: plan.rooms[r] as string, id: senders.length });
    }
  }
  // Client message ids are unique per run: the same members send again in later runs.
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const pad = Math.max(0, (plan.bodyChars ?? 0) - 40);
  const padding = 'x'.repeat(pad);
  const timers = senders.map(({ client, room, id }) => {
    let n = 0;
    const offset = (id / senders.length) * interval;
    const next = () => {
      // Rounded once, so the sender and the receivers put a message on the same side of the window.
      const at = Number(performance.now().toFixed(3));
      if (at > measureUntil) return;
      const due = start + offset + n * interval;
      if (at >= measureFrom) {
        sent += 1;
        lags.push(at - due);
      }
      sentTotal += 1;
      client.send(outgoing(room, `t:${at}|${id}-${n}${padding}`, `${run}-${id}-${n}`));
      n += 1;
      // Open loop: the next send is due at its planned time, whatever happened meanwhile.
      timer = setTimeout(next, Math.max(0, start + offset + n * interval - performance.now()));
    };
    let timer = setTimeout(next, offset);
    return () => clearTimeout(timer);
  });

  await sleep(plan.warmupMs + plan.durationMs);
  // Drain: until every expected delivery arrived, or 2 s.
  const drainUntil = performance.now() + 2000;
  while (performance.now() < drainUntil && delivered < sent * readersPerRoom) await sleep(20);
  const cpu = process.cpuUsage(cpuBefore);
  const elu = performance.eventLoopUtilization(eluBefore);
  const wall = performance.now() - start;
  const serverCpuSpent = cpuMs(plan.serverPid) - serverCpuBefore;
  for (const stop of timers) stop();
  clearInterval(rssTimer);
  const rssEnd = rssKb(plan.serverPid);
  ending = true;
  for (const c of clients) c.close();

  const sorted = latencies.sorted();
  const ackSorted = ackLatencies.sorted();
  const lagSorted = lags.sorted();
  const expected = sent * readersPerRoom;
  const loadgenCpu = (cpu.user + cpu.system) / 1000 / wall;
  const sendLagP99Ms = pick(lagSorted, 0.99);
  return {
    sent,
    sentTotal,
    delivered,
    expected,
    lost: Math.max(0, expected - delivered),
    messagesPerSecond: sent / (plan.durationMs / 1000),
    deliveriesPerSecond: delivered / (plan.durationMs / 1000),
    p50Ms: pick(sorted, 0.5),
    p90Ms: pick(sorted, 0.9),
    p99Ms: pick(sorted, 0.99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    acks,
    ackP50Ms: pick(ackSorted, 0.5),
    ackP99Ms: pick(ackSorted, 0.99),
    errors,
    ...(firstError ? { firstError } : {}),
    closedByServer,
    closedReaders,
    loadgenCpu,
    loadgenElu: elu.utilization,
    sendLagP99Ms,
    // The generator's own core was (nearly) full, or its sends went out late: the figure is
    // then a floor for the server, not its limit.
    saturated: elu.utilization > 0.9 || loadgenCpu > 0.9 || sendLagP99Ms > 20,
    serverCpu: serverCpuSpent / wall,
    // Deliveries over the whole wall time (warm-up and drain too), estimated from the window.
    serverCpuUsPerDelivery: (serverCpuSpent * 1000) / Math.max(1, (delivered * wall) / plan.durationMs),
    serverRssStartKb: rssStart,
    serverRssPeakKb: rssPeak,
    serverRssEndKb: rssEnd,
    tcpMemStartKb: tcpMemStart,
    tcpMemPeakKb: tcpMemPeak,
    connectSeconds,
  };
}

async function idle(): Promise<IdleResult> {
  await sleep(500);
  const before = rssKb(plan.serverPid);
  const connectStart = performance.now();
  const clients = await connectAll();
  const connectSeconds = (performance.now() - connectStart) / 1000;
  for (const c of clients) {
    c.onText = (data, start, end, client) => {
      // Socket.IO's application-level ping must be answered or the server drops the socket.
      if (plan.kind === 'socketio' && end - start === 1 && data[start] === 0x32) client.send('3');
    };
  }
  // Read while the server idles: Node's heap shrinks after some seconds of idleness (V8's
  // memory reducer), so an early reading counts the joins' garbage.
  const samples: number[] = [];
  for (let waited = 0; waited < (plan.settleMs ?? 3000); waited += 1000) {
    await sleep(1000);
    samples.push(rssKb(plan.serverPid));
  }
  // The lowest reading: what the server holds once it gave back what it could.
  const after = Math.min(...samples, rssKb(plan.serverPid));
  const result: IdleResult = {
    connections: clients.length,
    serverRssBeforeKb: before,
    serverRssAfterKb: after,
    bytesPerConnection: ((after - before) * 1024) / clients.length,
    loadgenRssKb: Math.round(process.memoryUsage().rss / 1024),
    connectSeconds,
    rssSamplesKb: samples,
  };
  for (const c of clients) c.close();
  return result;
}

async function history(): Promise<HistoryResult> {
  const token = plan.tokens?.[0] ?? '';
  const roomId = plan.rooms[0] as string;
  const repetitions = plan.repetitions ?? 200;
  const client = await WireClient.connect(plan.port, '/ws', { authorization: `Bearer ${token}` });
  let waiting: ((text: string) => void) | null = null;
  client.onText = (data, start, end) => {
    const text = data.toString('utf8', start, end);
    if (text.startsWith('{"type":"hello"')) return;
    waiting?.(text);
  };
  const request = (f: ClientFrame, answer: string) =>
    new Promise<string>((resolve) => {
      waiting = (text) => {
        if (text.startsWith(`{"type":"${answer}"`)) resolve(text);
      };
      client.send(frame(f));
    });
  const ws: number[] = [];
  let snapshotMessages = 0;
  let messagesInRoom = 0;
  for (let i = 0; i < repetitions + 5; i++) {
    const t0 = performance.now();
    const joined = await request({ type: 'join', roomId, ref: `j${i}` }, 'joined');
    if (i >= 5) ws.push(performance.now() - t0);
    if (i === 0) {
      const parsed = JSON.parse(joined) as Extract<ServerFrame, { type: 'joined' }>;
      snapshotMessages = parsed.messages.length;
      messagesInRoom = parsed.latestSeq;
    }
    await request({ type: 'leave', roomId, ref: `l${i}` }, 'left');
  }
  client.close();
  const rest: number[] = [];
  const url = `http://127.0.0.1:${plan.port}/rooms/${roomId}/messages?limit=50`;
  for (let i = 0; i < repetitions + 5; i++) {
    const t0 = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { messages?: unknown[] };
    if (!response.ok || body.messages?.length !== Math.min(50, messagesInRoom)) {
      throw new Error(`history: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    if (i >= 5) rest.push(performance.now() - t0);
  }
  const wsSorted = Float64Array.from(ws).sort();
  const restSorted = Float64Array.from(rest).sort();
  return {
    repetitions,
    messagesInRoom,
    snapshotMessages,
    wsJoinP50Ms: pick(wsSorted, 0.5),
    wsJoinP99Ms: pick(wsSorted, 0.99),
    restP50Ms: pick(restSorted, 0.5),
    restP99Ms: pick(restSorted, 0.99),
  };
}

const result = plan.mode === 'idle' ? await idle() : plan.mode === 'history' ? await history() : await traffic();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
