/**
 * `npm run bench` (`-- --quick` for a smoke run): each scenario against each server, a fresh
 * server per run, server and load generator pinned to different cores when `taskset` exists,
 * warm-up discarded. Prints a table with ratios against the bare `ws` server measured in the
 * same run, and writes the raw results to bench/results/.
 *
 * Work in progress (issue 9): scenarios A and B at their fixed rates so far.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess, stopServerProcess } from '../../apps/server/scripts/server-process.ts';
import type { Plan, Result } from './loadgen.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const pin = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).stdout.trim();
const onCore = (core: number, args: string[]) =>
  (pin ? [pin, ['-c', String(core), ...args]] : [args[0], args.slice(1)]) as [string, string[]];

type Scenario = { name: string; members: number; senders: number; ratePerSender: number };
const scenarios: Scenario[] = [
  { name: 'A: 1 room × 100 members, 5 senders × 20 msg/s', members: 100, senders: 5, ratePerSender: 20 },
  { name: 'B: 1 room × 1000 members, 1 sender × 10 msg/s', members: 1000, senders: 1, ratePerSender: 10 },
];
const timing = quick ? { warmupMs: 500, durationMs: 2000 } : { warmupMs: 2000, durationMs: 10_000 };

function runLoadgen(plan: Plan): Promise<Result> {
  const [command, args] = onCore(1, [process.execPath, path.join(here, 'loadgen.ts'), JSON.stringify(plan)]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'))
        : reject(new Error(`loadgen exited ${code}`)),
    ),
  );
}

async function baseline(scenario: Scenario): Promise<Result> {
  const [command, args] = onCore(0, [process.execPath, path.join(here, 'ws-baseline.ts')]);
  const server: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) =>
    server.stdout?.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    }),
  );
  try {
    return await runLoadgen({ kind: 'ws', url: `ws://127.0.0.1:${port}/?room=main`, ...scenario, ...timing });
  } finally {
    server.kill();
  }
}

async function tandem(scenario: Scenario): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
  const server = await startServerProcess('bench', {
    DATABASE_URL: `sqlite:${path.join(dir, 'bench.db')}`,
    DEFAULT_ROOMS: '',
    AUTH_RATE_LIMIT: '100000',
    SEND_RATE_LIMIT: '1000000',
    WS_SENDS_PER_SECOND: '1000',
    WS_SEND_BURST: '1000',
  });
  if (pin && server.child.pid) spawnSync(pin, ['-pc', '0', String(server.child.pid)]);
  try {
    const post = async (url: string, body: unknown, token?: string) =>
      (
        await fetch(`${server.http}${url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        })
      ).json() as Promise<{ token: string; roomId: string }>;
    const tokens: string[] = [];
    for (let i = 0; i < scenario.members; i++)
      tokens.push((await post('/auth/guest', { username: `bench${i}` })).token);
    const { roomId } = await post('/rooms', { name: 'bench' }, tokens[0]);
    for (const token of tokens.slice(1)) await post(`/rooms/${roomId}/join`, {}, token);
    return await runLoadgen({ kind: 'tandem', url: server.ws, tokens, roomId, ...scenario, ...timing });
  } finally {
    await stopServerProcess(server.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rows: Array<{ scenario: string; server: string; result: Result }> = [];
for (const scenario of scenarios) {
  rows.push({ scenario: scenario.name, server: 'bare ws', result: await baseline(scenario) });
  rows.push({ scenario: scenario.name, server: 'Tandem (SQLite)', result: await tandem(scenario) });
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
console.log(
  `\n${quick ? 'QUICK run (smoke test, not a measurement)' : 'Full run'} on ${os.cpus().length} cores, ${new Date().toISOString()}\n`,
);
console.log('| scenario | server | deliveries/s | vs ws | p50 ms | p99 ms | lost | load generator CPU / ELU |');
console.log('|---|---|---|---|---|---|---|---|');
for (const { scenario, server, result } of rows) {
  const ws = rows.find((r) => r.scenario === scenario && r.server === 'bare ws')?.result;
  const lost = Math.max(0, result.expected - result.delivered);
  const saturated = result.loadgenElu > 0.9 ? ' SATURATED' : '';
  console.log(
    `| ${scenario} | ${server} | ${fmt(result.deliveriesPerSecond, 0)} | ${ws ? fmt(result.deliveriesPerSecond / ws.deliveriesPerSecond, 2) : '–'}× | ${fmt(result.p50Ms, 2)} | ${fmt(result.p99Ms, 2)} | ${lost} | ${fmt(result.loadgenCpu * 100, 0)}% / ${fmt(result.loadgenElu * 100, 0)}%${saturated} |`,
  );
}
const resultsDir = path.join(here, '..', 'results');
fs.mkdirSync(resultsDir, { recursive: true });
fs.writeFileSync(
  path.join(resultsDir, `${quick ? 'quick' : 'full'}-latest.json`),
  `${JSON.stringify(rows, null, 2)}\n`,
);
