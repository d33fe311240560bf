import { parseArgs } from 'node:util';
import type { ServerProcess } from '../../scripts/server-process.ts';
import { redisServerAvailable, sleep, startCluster, waitFor } from './cluster.ts';
import { bySend, createGuest, FleetClient, type Scenario, startScenario, storedRows } from './fleet.ts';

/**
 * The soak (issue 16): a two-node cluster (the fault suite's harness: PostgreSQL through a proxy,
 * a Redis of its own, a round-robin balancer) under a steady load of `@tandem/client` clients for
 * a while, with reconnect storms (every client's socket cut at once) and guests coming and going.
 * It measures each node's JS heap after a full GC (through the inspector: the nodes run with
 * `--inspect=127.0.0.1:0`) once warmed up and again at the end, in the same state (the same
 * number of clients connected, no traffic), and checks every acked message against the database.
 *
 *   npm run soak -- --minutes 2 [--clients 300] [--rooms 10] [--rate 100] [--storm-every 30]
 *                   [--guests-per-minute 60] [--heap-limit 10]
 *
 * Exit 1 when a node's heap after GC grew by more than --heap-limit percent, an acked message is
 * missing from the database (or stored twice, or a room's seqs have a gap), a send is never
 * acked, or a node crashed. Needs PostgreSQL (TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 * and redis-server on the PATH.
 */

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    clients: { type: 'string', default: '300' },
    rooms: { type: 'string', default: '10' },
    /** Messages a second, over all clients. */
    rate: { type: 'string', default: '100' },
    /** Seconds between reconnect storms. */
    'storm-every': { type: 'string', default: '30' },
    'guests-per-minute': { type: 'string', default: '60' },
    /** Largest heap-after-GC growth allowed, in percent. */
    'heap-limit': { type: 'string', default: '10' },
  },
});

const minutes = Number(args.minutes);
const clientCount = Number(args.clients);
const roomCount = Number(args.rooms);
const rate = Number(args.rate);
const stormEveryMs = Number(args['storm-every']) * 1000;
const guestsPerMinute = Number(args['guests-per-minute']);
const heapLimit = Number(args['heap-limit']);
for (const [name, value] of Object.entries({ minutes, clientCount, roomCount, rate, stormEveryMs, heapLimit })) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`soak: --${name} must be a positive number`);
}
if (!redisServerAvailable()) {
  console.error('soak: redis-server is not on the PATH');
  process.exit(2);
}
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line: string) => console.log(line);
const MiB = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

// ------------------------------------------------------------------ heap after GC, through the inspector

type CdpReply = { id?: number; result?: { result?: { value?: unknown } }; error?: { message: string } };

async function heapAfterGc(node: ServerProcess): Promise<{ heapUsed: number; rss: number }> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(node.output())?.[1];
  if (!url) throw new Error(`node ${node.name} has no inspector (it was started without --inspect)`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`cannot reach node ${node.name}'s inspector at ${url}`));
  });
  const waiting = new Map<number, (reply: CdpReply) => void>();
  socket.onmessage = (event: MessageEvent) => {
    const reply = JSON.parse(String(event.data)) as CdpReply;
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply);
  };
  let next = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<CdpReply>((resolve, reject) => {
      const id = ++next;
      waiting.set(id, (reply) => (reply.error ? reject(new Error(reply.error.message)) : resolve(reply)));
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    // Twice, a moment apart: the first may leave work for finalizers and weak callbacks.
    await call('HeapProfiler.collectGarbage');
    await sleep(300);
    await call('HeapProfiler.collectGarbage');
    const reply = await call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    const usage = JSON.parse(String(reply.result?.result?.value)) as { heapUsed: number; rss: number };
    return { heapUsed: usage.heapUsed, rss: usage.rss };
  } finally {
    socket.close();
  }
}

// ------------------------------------------------------------------ the run

type Fleet = { active: FleetClient[]; retired: FleetClient[]; roomIds: string[] };

async function main(): Promise<number> {
  const started = performance.now();
  log(
    `soak: ${minutes} min, ${clientCount} clients in ${roomCount} rooms, ${rate} messages/s, a reconnect storm every ${stormEveryMs / 1000} s, ${guestsPerMinute} new guests a minute`,
  );
  const cluster = await startCluster({
    adminUrl,
    // LOG_LEVEL stays info: the harness learns the node's port from its "listening" line.
    env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' },
  });
  // Interrupted (Ctrl-C, a CI timeout): the nodes, the Redis and the database go too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`soak: ${signal}: stopping the cluster`);
      const exit = () => process.exit(130);
      setTimeout(exit, 10_000).unref();
      cluster.close().then(exit, exit);
    });
  }
  const failures: string[] = [];
  try {
    // The client's own defaults (backoff, hello, ack and ping timeouts), as an app would run.
    const fleetOptions = { http: cluster.http, ws: cluster.ws, client: {} };
    const scenario: Scenario = await startScenario({
      ...fleetOptions,
      name: 'soak',
      clients: clientCount,
      rooms: roomCount,
      joinConcurrency: 20,
    });
    const fleet: Fleet = { active: scenario.clients.slice(), retired: [], roomIds: scenario.roomIds };
    log(`soak: ${fleet.active.length} clients joined in ${Math.round((performance.now() - started) / 1000)} s`);
    const everyMs = Math.max(50, Math.round((clientCount * 1000) / rate));
    const startSending = () => {
      for (const c of fleet.active) c.startSending(everyMs);
    };
    const stopSending = () => {
      for (const c of fleet.active) c.stopSending();
    };
    let guests = 0;
    let storms = 0;
    let sending = false;

    /** Replaces a client that has nothing pending with a new guest in a random room. */
    const churnOne = async () => {
      const index = fleet.active.findIndex((c) => c.rt.pending === 0 && c.live);
      const leaving = fleet.active[index];
      if (!leaving) return;
      fleet.active.splice(index, 1);
      leaving.stopSending();
      leaving.close();
      fleet.retired.push(leaving);
      const roomId = fleet.roomIds[Math.floor(Math.random() * fleet.roomIds.length)] as string;
      const guest = await createGuest(cluster.http, 'soakg');
      guests += 1;
      const joining = new FleetClient(fleetOptions, { ...guest, tag: `soak-g${guests}`, roomId });
      fleet.active.push(joining);
      await joining.join(30_000);
      if (sending) joining.startSending(everyMs);
    };

    /** Stops traffic, waits until nothing is pending, collects garbage on each node and reads its heap. */
    const measure = async (label: string, resume: boolean) => {
      sending = false;
      stopSending();
      const settled = await waitFor(() => fleet.active.every((c) => c.live && c.rt.pending === 0), 60_000, 200);
      if (settled === null) failures.push(`${label}: clients not settled within 60 s`);
      await sleep(2000);
      const heaps = [];
      for (const node of cluster.nodes()) heaps.push({ node: node.name, ...(await heapAfterGc(node)) });
      log(
        `soak: heap after GC (${label}): ${heaps.map((h) => `${h.node} ${MiB(h.heapUsed)} MiB (RSS ${MiB(h.rss)} MiB)`).join(', ')}; connections ${JSON.stringify(cluster.balancer.counts())}`,
      );
      if (resume) {
        sending = true;
        startSending();
      }
      return heaps;
    };

    sending = true;
    startSending();
    const runMs = minutes * 60_000;
    // Warm-up: a tenth of the run (at least 20 s) with one storm in it, so the baseline has met
    // every code path (reconnects, resumes, gap fills) once.
    const warmUpMs = Math.max(20_000, runMs / 10);
    const loadStarted = performance.now();
    let nextStorm = loadStarted + Math.min(stormEveryMs, warmUpMs / 2);
    let nextGuest = loadStarted + 60_000 / Math.max(guestsPerMinute, 1e-9);
    let nextProgress = loadStarted + 10_000;
    let baseline: Awaited<ReturnType<typeof measure>> | null = null;
    const churns: Array<Promise<void>> = [];
    while (performance.now() - loadStarted < runMs) {
      const now = performance.now();
      if (!baseline && now - loadStarted >= warmUpMs) {
        baseline = await measure('warmed up', true);
        continue;
      }
      if (now >= nextStorm) {
        storms += 1;
        cluster.balancer.cut();
        nextStorm = now + stormEveryMs;
      }
      if (guestsPerMinute > 0 && now >= nextGuest) {
        churns.push(churnOne().catch((error: unknown) => void failures.push(`a new guest failed: ${String(error)}`)));
        nextGuest = now + 60_000 / guestsPerMinute;
      }
      if (now >= nextProgress) {
        const all = [...fleet.active, ...fleet.retired];
        const sent = all.reduce((n, c) => n + c.sends.size, 0);
        const acked = all.reduce((n, c) => n + [...c.sends.values()].filter((s) => s.ackedAt !== undefined).length, 0);
        log(
          `soak: ${Math.round((now - loadStarted) / 1000)} s: sent ${sent}, acked ${acked}, live ${fleet.active.filter((c) => c.live).length}/${fleet.active.length}, storms ${storms}, new guests ${guests}, reconnects ${all.reduce((n, c) => n + c.reconnects, 0)}`,
        );
        nextProgress = now + 10_000;
      }
      for (const name of cluster.names) if (!cluster.running(name)) failures.push(`node ${name} is not running`);
      if (failures.length) break;
      await sleep(100);
    }
    await Promise.all(churns);
    const end = await measure('end', false);
    if (!baseline) baseline = end;

    // ---------------------------------------------------------------- against the database
    const all = [...fleet.active, ...fleet.retired];
    const rows = await storedRows(cluster.db, fleet.roomIds);
    const stored = bySend(rows);
    let sent = 0;
    let acked = 0;
    let lost = 0;
    let unacked = 0;
    let maxAckMs = 0;
    const unackedExamples: string[] = [];
    for (const c of all) {
      for (const send of c.sends.values()) {
        sent += 1;
        if (send.ackedAt === undefined) {
          unacked += 1;
          const storedAnyway = stored.has(`${c.userId}\u0000${send.clientMessageId}`);
          unackedExamples.push(
            `${send.body} (${fleet.active.includes(c) ? 'connected' : 'retired'} client, ${send.failed ?? 'still pending'}, ${storedAnyway ? 'stored' : 'not stored'})`,
          );
          continue;
        }
        acked += 1;
        maxAckMs = Math.max(maxAckMs, send.ackedAt - send.sentAt);
        const found = stored.get(`${c.userId}\u0000${send.clientMessageId}`) ?? [];
        if (found.length !== 1 || found[0]?.seq !== send.seq) lost += 1;
      }
    }
    let duplicated = 0;
    const gaps: string[] = [];
    for (const [roomId, list] of rows) {
      const bodies = new Map<string, number>();
      for (const row of list) bodies.set(row.body, (bodies.get(row.body) ?? 0) + 1);
      for (const n of bodies.values()) if (n > 1) duplicated += n - 1;
      const wrong = list.findIndex((row, i) => row.seq !== i + 1);
      if (wrong >= 0) gaps.push(`room ${roomId} at position ${wrong + 1}`);
    }
    // Each connected client shows the database's room from its first message on (a guest that
    // joined late got the newest 50 in its snapshot, and everything after).
    const mismatched = fleet.active.filter((c) => {
      const first = c.timeline[0]?.seq ?? 1;
      const want = (rows.get(c.roomId) ?? []).filter((r) => r.seq >= first);
      return (
        c.timeline.length !== want.length ||
        c.timeline.some((m, i) => m.seq !== want[i]?.seq || m.clientMessageId !== want[i]?.client_message_id)
      );
    });
    const reconnects = all.reduce((n, c) => n + c.reconnects, 0);
    const gaveUp = all.flatMap((c) => c.closes.map((e) => `${c.tag}: ${e.code} ${e.reason}`));
    const deaths = cluster.deaths();
    const errors = cluster.problems().filter((line) => /"level":(5|6)\d/.test(line));

    const growth = end.map((h) => {
      const before = baseline.find((b) => b.node === h.node)?.heapUsed ?? h.heapUsed;
      return {
        node: h.node,
        before,
        after: h.heapUsed,
        percent: Math.round(((h.heapUsed - before) / before) * 1000) / 10,
      };
    });
    const seconds = Math.round((performance.now() - loadStarted) / 1000);
    log('');
    log(`soak result (${seconds} s of load, ${Math.round((performance.now() - started) / 1000)} s in all):`);
    log(
      `  clients ${clientCount} in ${roomCount} rooms; messages sent ${sent}, acked ${acked} (${Math.round(acked / seconds)}/s), unacked ${unacked}, slowest ack ${Math.round(maxAckMs)} ms`,
    );
    log(
      `  reconnect storms ${storms}, reconnects ${reconnects}, new guests ${guests}, clients that gave up ${gaveUp.length}`,
    );
    log(
      `  lost ${lost}, duplicated ${duplicated}, seq gaps ${gaps.length}, timelines unlike the database ${mismatched.length}`,
    );
    for (const g of growth) {
      log(
        `  node ${g.node}: heap after GC ${MiB(g.before)} MiB → ${MiB(g.after)} MiB (${g.percent >= 0 ? '+' : ''}${g.percent} %)`,
      );
    }
    log(`  node error lines ${errors.length}, crashes ${deaths.length}`);
    for (const line of errors.slice(0, 3)) log(`    ${line.slice(0, 300)}`);

    for (const g of growth) {
      if (g.percent > heapLimit)
        failures.push(`node ${g.node}'s heap after GC grew ${g.percent} % (limit ${heapLimit} %)`);
    }
    if (lost) failures.push(`${lost} acked messages missing from the database (or stored twice or under another seq)`);
    if (duplicated) failures.push(`${duplicated} messages stored twice`);
    if (gaps.length) failures.push(`seq gaps: ${gaps.slice(0, 3).join('; ')}`);
    if (unacked) failures.push(`${unacked} sends never acked: ${unackedExamples.slice(0, 5).join('; ')}`);
    if (deaths.length) failures.push(`crashes: ${deaths.join('\n')}`);
    if (mismatched.length) {
      failures.push(
        `${mismatched.length} connected clients do not show what the database has: ${mismatched
          .slice(0, 3)
          .map((c) => `${c.tag} (${c.timeline.length} shown, last seq ${c.timeline.at(-1)?.seq ?? 0})`)
          .join(', ')}`,
      );
    }
    if (gaveUp.length) log(`  note: clients that gave up: ${gaveUp.slice(0, 3).join('; ')}`);
    for (const c of fleet.active) c.close();
  } finally {
    await cluster.close();
  }
  if (failures.length) {
    log(`soak: FAILED\n  ${failures.join('\n  ')}`);
    return 1;
  }
  log('soak: passed');
  return 0;
}

process.exitCode = await main();
// Sockets and timers of the fleet may linger; the verdict is in.
process.exit(process.exitCode);
