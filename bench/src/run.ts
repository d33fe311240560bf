/**
 * `npm run bench` (`-- --quick` for a smoke run; `-- --only=A,B` for some scenarios): scenarios
 * A–F of issue 9 against Tandem and three baselines started in the same run — a bare `ws`
 * broadcast server, Socket.IO 4 with rooms, and FastAPI + uvicorn — each on a fresh server per
 * measured run, server pinned to core 0 and the load generator to core 1, warm-up discarded.
 * Prints the comparison table with ratios and writes the raw results to bench/results/.
 */
import { type HistoryResult, type IdleResult, NO_TRAFFIC, planFor, type Result, runLoadgen } from './plan.ts';
import { fmt, report } from './report.ts';
import { seedMessages } from './seed.ts';
import {
  fastApiTarget,
  type Layout,
  persistedMessages,
  pin,
  type Session,
  socketIoTarget,
  type Target,
  tandemPostgres,
  tandemSqlite,
  wsTarget,
} from './targets.ts';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const wanted = (s: string) => !only || only.includes(s);
/** `--servers=ws,Tandem` (short names) for a targeted run. */
const serverFilter = process.argv
  .find((a) => a.startsWith('--servers='))
  ?.slice(10)
  .split(',');
const began = Date.now();
// The runner itself only sets up and waits; keep it off the server's core.
pin(process.pid, 1);

/** Sizes and durations: the full run measures, the quick run proves the harness works. */
const cfg = quick
  ? {
      fixed: { warmupMs: 300, durationMs: 1000 },
      step: { warmupMs: 300, durationMs: 1000 },
      bMembers: 200,
      rampSteps: 3,
      rampPrecision: 1.5,
      cRooms: 20,
      dRooms: 10,
      dSettleMs: 2000,
      eMessages: 20_000,
      eRepetitions: 50,
      fMembers: 200,
      f: { warmupMs: 500, durationMs: 2000 },
      fSlow: { warmupMs: 500, durationMs: 2000 },
    }
  : {
      fixed: { warmupMs: 2000, durationMs: 10_000 },
      step: { warmupMs: 1000, durationMs: 4000 },
      bMembers: 1000,
      rampSteps: 8,
      rampPrecision: 1.1,
      cRooms: 100,
      dRooms: 100,
      dSettleMs: 20_000,
      eMessages: 1_000_000,
      eRepetitions: 200,
      fMembers: 1000,
      f: { warmupMs: 2000, durationMs: 15_000 },
      fSlow: { warmupMs: 2000, durationMs: 15_000 },
    };

const baselines = [wsTarget, socketIoTarget, fastApiTarget];
const skipped = new Map<string, string>();
const available = (t: Target) => {
  if (serverFilter && !serverFilter.includes(t.short)) return false;
  const why = t.unavailable();
  if (why && !skipped.has(t.name)) {
    skipped.set(t.name, why);
    console.log(`note: ${t.name} skipped: ${why}`);
  }
  return why === null;
};
const servers = [...baselines, tandemSqlite].filter(available);
const tandems = [tandemSqlite, tandemPostgres].filter(available);

type Record_ = {
  scenario: string;
  server: string;
  label: string;
  ratePerSender?: number;
  result: Result | IdleResult | HistoryResult;
  passed?: boolean;
  persisted?: number;
};
const records: Record_[] = [];
const summary: Record<string, Record<string, number | string>> = {};
const put = (metric: string, server: string, value: number | string) => {
  summary[metric] ??= {};
  (summary[metric] as Record<string, number | string>)[server] = value;
};

type Traffic = {
  sendersPerRoom: number;
  ratePerSender: number;
  warmupMs: number;
  durationMs: number;
  bodyChars?: number;
  nonReadersPerRoom?: number;
};

/** One measured run on a fresh server. */
async function trafficRun(
  target: Target,
  session: Session,
  layout: Layout,
  traffic: Traffic,
): Promise<{ result: Result; persisted?: number }> {
  const running = await session.start();
  try {
    const result = await runLoadgen<Result>({
      mode: 'traffic',
      ...planFor(target.kind, running, session, layout),
      ...traffic,
    });
    const persisted =
      target.kind === 'tandem' && session.tokens
        ? await persistedMessages(running, session.tokens[0] as string, session.rooms)
        : undefined;
    return { result, ...(persisted === undefined ? {} : { persisted }) };
  } finally {
    await running.stop();
  }
}

function logRun(scenario: string, server: string, label: string, r: Result, extra = '') {
  console.log(
    `  ${scenario} ${server.padEnd(20)} ${label.padEnd(14)} ${fmt(r.deliveriesPerSecond, 0).padStart(9)} deliveries/s  p50 ${fmt(r.p50Ms, 2)} p99 ${fmt(r.p99Ms, 2)} ms` +
      `${r.acks ? `  ack p99 ${fmt(r.ackP99Ms, 2)} ms` : ''}  lost ${r.lost}${r.errors ? `  errors ${r.errors}` : ''}${r.closedByServer ? `  closed ${r.closedByServer}` : ''}` +
      `  loadgen ${fmt(r.loadgenCpu * 100, 0)}%/${fmt(r.loadgenElu * 100, 0)}%${r.saturated ? ' SATURATED' : ''}${extra}`,
  );
}

async function withSession<T>(target: Target, layout: Layout, fn: (session: Session) => Promise<T>): Promise<T> {
  const session = await target.open(layout);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

async function fixed(scenario: string, target: Target, session: Session, layout: Layout, traffic: Traffic) {
  const { result, persisted } = await trafficRun(target, session, layout, traffic);
  records.push({
    scenario,
    server: target.name,
    label: 'fixed',
    ratePerSender: traffic.ratePerSender,
    result,
    ...(persisted === undefined ? {} : { persisted }),
  });
  logRun(
    scenario,
    target.name,
    `${traffic.ratePerSender} msg/s/sender`,
    result,
    persisted === undefined ? '' : `  persisted ${persisted}/${result.sentTotal}`,
  );
  return result;
}

/**
 * The highest rate that passes: doubling from `from` until a step fails, then bisecting until
 * the bounds are within `rampPrecision` (or the step budget is spent).
 */
async function ramp(
  scenario: string,
  target: Target,
  session: Session,
  layout: Layout,
  base: Omit<Traffic, 'ratePerSender'>,
  from: number,
  passes: (r: Result, persisted?: number) => boolean,
): Promise<{ rate: number; result: Result | undefined }> {
  let lo = 0;
  let best: Result | undefined;
  let hi = Number.POSITIVE_INFINITY;
  let rate = from;
  for (let step = 0; step < cfg.rampSteps; step++) {
    let { result, persisted } = await trafficRun(target, session, layout, { ...base, ratePerSender: rate });
    let ok = passes(result, persisted);
    if (!ok && !quick) {
      // A shared machine has hiccups: a step fails only if it fails twice.
      records.push({
        scenario,
        server: target.name,
        label: 'ramp (failed once)',
        ratePerSender: rate,
        result,
        passed: ok,
      });
      logRun(scenario, target.name, `${fmt(rate, 0)} msg/s/sender`, result, '  fail, again');
      ({ result, persisted } = await trafficRun(target, session, layout, { ...base, ratePerSender: rate }));
      ok = passes(result, persisted);
    }
    records.push({
      scenario,
      server: target.name,
      label: 'ramp',
      ratePerSender: rate,
      result,
      passed: ok,
      ...(persisted === undefined ? {} : { persisted }),
    });
    logRun(scenario, target.name, `${fmt(rate, 0)} msg/s/sender`, result, ok ? '  pass' : '  FAIL');
    if (ok) {
      lo = rate;
      best = result;
    } else hi = rate;
    if (Number.isFinite(hi) && lo > 0 && hi / lo <= cfg.rampPrecision) break;
    rate = Number.isFinite(hi) ? Math.round((lo + hi) / 2) : rate * 2;
    if (lo === 0 && Number.isFinite(hi)) rate = Math.max(1, Math.round(hi / 2));
    if (rate === lo || rate === hi) break;
  }
  return { rate: lo, result: best };
}

// ---------------------------------------------------------------- A and B

if (wanted('A')) {
  console.log('\nA: 1 room × 100 members, 5 senders × 20 msg/s');
  const layout = { rooms: 1, membersPerRoom: 100 };
  for (const target of servers) {
    await withSession(target, layout, async (session) => {
      const r = await fixed('A', target, session, layout, { sendersPerRoom: 5, ratePerSender: 20, ...cfg.fixed });
      put('A p50 ms', target.name, r.p50Ms);
      put('A p99 ms', target.name, r.p99Ms);
    });
  }
}

if (wanted('B')) {
  const layout = { rooms: 1, membersPerRoom: cfg.bMembers };
  console.log(
    `\nB: 1 room × ${layout.membersPerRoom} members, 1 sender × 10 msg/s; then the highest rate with p99 < 250 ms and nothing lost`,
  );
  for (const target of servers) {
    await withSession(target, layout, async (session) => {
      const r = await fixed('B', target, session, layout, { sendersPerRoom: 1, ratePerSender: 10, ...cfg.fixed });
      put('B@10 msg/s p99 ms', target.name, r.p99Ms);
      const top = await ramp(
        'B',
        target,
        session,
        layout,
        { sendersPerRoom: 1, ...cfg.step },
        40,
        (x) => x.p99Ms < 250 && x.lost === 0 && x.errors === 0 && x.closedByServer === 0,
      );
      put('B max deliveries/s', target.name, top.result?.deliveriesPerSecond ?? 0);
      put('B max: p99 ms', target.name, top.result?.p99Ms ?? Number.NaN);
      put('B max: load generator saturated', target.name, top.result?.saturated ? 'yes' : 'no');
    });
  }
}

// ---------------------------------------------------------------- C

if (wanted('C')) {
  const layout = { rooms: cfg.cRooms, membersPerRoom: 10 };
  console.log(
    `\nC: ${layout.rooms} rooms × 10 members, ${layout.rooms} senders × 5 msg/s; then Tandem's highest persisted rate with ack p99 ≤ 20 ms`,
  );
  for (const target of [...servers.filter((t) => t.kind !== 'tandem'), ...tandems]) {
    await withSession(target, layout, async (session) => {
      const r = await fixed('C', target, session, layout, { sendersPerRoom: 1, ratePerSender: 5, ...cfg.fixed });
      put('C@5 msg/s p99 ms', target.name, r.p99Ms);
      if (target.kind !== 'tandem') return;
      put('C@5 msg/s ack p99 ms', target.name, r.ackP99Ms);
      const top = await ramp(
        'C',
        target,
        session,
        layout,
        { sendersPerRoom: 1, ...cfg.step },
        10,
        (x, persisted) =>
          x.ackP99Ms <= 20 &&
          x.lost === 0 &&
          x.errors === 0 &&
          x.closedByServer === 0 &&
          x.acks === x.sentTotal &&
          persisted !== undefined &&
          persisted >= x.sentTotal,
      );
      put('C max persisted msg/s', target.name, top.result?.messagesPerSecond ?? 0);
      put('C max: ack p99 ms', target.name, top.result?.ackP99Ms ?? Number.NaN);
      put('C max: delivery p99 ms', target.name, top.result?.p99Ms ?? Number.NaN);
    });
  }
}

// ---------------------------------------------------------------- D

if (wanted('D')) {
  const layout = { rooms: cfg.dRooms, membersPerRoom: 100 };
  const connections = layout.rooms * layout.membersPerRoom;
  console.log(
    `\nD: ${connections} idle joined connections (${layout.rooms} rooms × 100): server memory per connection`,
  );
  for (const target of servers) {
    await withSession(target, layout, async (session) => {
      const running = await session.start();
      try {
        const r = await runLoadgen<IdleResult>({
          mode: 'idle',
          ...planFor(target.kind, running, session, layout),
          ...NO_TRAFFIC,
          settleMs: cfg.dSettleMs,
        });
        records.push({ scenario: 'D', server: target.name, label: 'idle', result: r });
        put('D KB per idle connection', target.name, r.bytesPerConnection / 1024);
        console.log(
          `  D ${target.name.padEnd(20)} ${r.connections} connections in ${fmt(r.connectSeconds, 1)} s: RSS ${fmt(r.serverRssBeforeKb / 1024)} → ${fmt(r.serverRssAfterKb / 1024)} MB, ${fmt(r.bytesPerConnection / 1024, 1)} KB per connection`,
        );
      } finally {
        await running.stop();
      }
    });
  }
}

// ---------------------------------------------------------------- E

if (wanted('E') && tandems.includes(tandemSqlite)) {
  console.log(
    `\nE: join + last 50 messages in a room holding ${cfg.eMessages.toLocaleString('en-US')} messages (Tandem, SQLite)`,
  );
  const layout = { rooms: 1, membersPerRoom: 1 };
  await withSession(tandemSqlite, layout, async (session) => {
    const t0 = Date.now();
    seedMessages(
      session.sqliteFile as string,
      session.rooms[0] as string,
      session.tokens?.[0] as string,
      cfg.eMessages,
    );
    console.log(`  seeded ${cfg.eMessages.toLocaleString('en-US')} messages in ${fmt((Date.now() - t0) / 1000)} s`);
    const running = await session.start();
    try {
      const r = await runLoadgen<HistoryResult>({
        mode: 'history',
        ...planFor('tandem', running, session, layout),
        ...NO_TRAFFIC,
        repetitions: cfg.eRepetitions,
      });
      records.push({ scenario: 'E', server: tandemSqlite.name, label: 'history', result: r });
      put('E join+50 over the socket p50 ms', tandemSqlite.name, r.wsJoinP50Ms);
      put('E join+50 over the socket p99 ms', tandemSqlite.name, r.wsJoinP99Ms);
      put('E last 50 over REST p50 ms', tandemSqlite.name, r.restP50Ms);
      put('E last 50 over REST p99 ms', tandemSqlite.name, r.restP99Ms);
      console.log(
        `  E ${tandemSqlite.name}: room of ${r.messagesInRoom}, snapshot of ${r.snapshotMessages}; join p50 ${fmt(r.wsJoinP50Ms, 2)} p99 ${fmt(r.wsJoinP99Ms, 2)} ms; REST p50 ${fmt(r.restP50Ms, 2)} p99 ${fmt(r.restP99Ms, 2)} ms`,
      );
    } finally {
      await running.stop();
    }
  });
}

// ---------------------------------------------------------------- F

if (wanted('F')) {
  const layout = { rooms: 1, membersPerRoom: cfg.fMembers };
  const nonReaders = Math.round(layout.membersPerRoom * 0.05);
  const bodyChars = 4000;
  console.log(
    `\nF: B at 10 msg/s with ${bodyChars}-character messages, ${layout.membersPerRoom} members, ${nonReaders} of them never reading, against the same run with everyone reading`,
  );
  for (const target of servers) {
    await withSession(target, layout, async (session) => {
      const traffic = { sendersPerRoom: 1, ratePerSender: 10, bodyChars, ...cfg.f };
      const all = await trafficRun(target, session, layout, traffic);
      records.push({ scenario: 'F', server: target.name, label: 'all reading', ratePerSender: 10, result: all.result });
      logRun('F', target.name, 'all reading', all.result);
      const some = await trafficRun(target, session, layout, {
        ...traffic,
        ...cfg.fSlow,
        nonReadersPerRoom: nonReaders,
      });
      records.push({
        scenario: 'F',
        server: target.name,
        label: '5% not reading',
        ratePerSender: 10,
        result: some.result,
      });
      const growth = (some.result.serverRssPeakKb - some.result.serverRssStartKb) / 1024;
      logRun('F', target.name, '5% not reading', some.result, `  RSS +${fmt(growth)} MB`);
      put('F others p99 ms (5% not reading)', target.name, some.result.p99Ms);
      put('F p99 rise vs all reading %', target.name, (some.result.p99Ms / all.result.p99Ms - 1) * 100);
      put('F server RSS growth MB', target.name, growth);
      put('F kernel TCP memory growth MB', target.name, (some.result.tcpMemPeakKb - some.result.tcpMemStartKb) / 1024);
      put(
        'F non-readers cut off',
        target.name,
        `${some.result.closedByServer - some.result.closedReaders}/${nonReaders}`,
      );
      put('F readers lost', target.name, some.result.lost);
    });
  }
}

// ---------------------------------------------------------------- report

report({
  summary,
  records,
  skipped,
  quick,
  partial: only !== undefined || serverFilter !== undefined,
  seconds: (Date.now() - began) / 1000,
});
