/**
 * One measured run, for profiling and experiments:
 * `node bench/src/one.ts <ws|Socket.IO|FastAPI|Tandem|Tandem PG> <rooms> <membersPerRoom> <sendersPerRoom> <msg/s per sender> [seconds] [bodyChars] [nonReadersPerRoom]`.
 * With BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' Tandem writes a CPU profile.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan } from './loadgen.ts';
import {
  fastApiTarget,
  onCore,
  persistedMessages,
  socketIoTarget,
  tandemPostgres,
  tandemSqlite,
  wsTarget,
} from './targets.ts';

const [
  name = 'Tandem',
  rooms = '1',
  members = '1000',
  senders = '1',
  rate = '10',
  seconds = '6',
  body = '0',
  non = '0',
] = process.argv.slice(2);
const target = [wsTarget, socketIoTarget, fastApiTarget, tandemSqlite, tandemPostgres].find((t) => t.short === name);
if (!target) throw new Error(`no target ${name}`);
const layout = { rooms: Number(rooms), membersPerRoom: Number(members) };
const session = await target.open(layout);
const running = await session.start();
const plan: Plan = {
  mode: 'traffic',
  kind: target.kind,
  port: running.port,
  serverPid: running.pid,
  rooms: session.rooms,
  membersPerRoom: layout.membersPerRoom,
  ...(session.tokens ? { tokens: session.tokens } : {}),
  sendersPerRoom: Number(senders),
  ratePerSender: Number(rate),
  warmupMs: 1000,
  durationMs: Number(seconds) * 1000,
  bodyChars: Number(body),
  nonReadersPerRoom: Number(non),
};
const file = path.join(os.tmpdir(), `tandem-bench-one-${process.pid}.json`);
fs.writeFileSync(file, JSON.stringify(plan));
const here = path.dirname(fileURLToPath(import.meta.url));
const [command, args] = onCore(1, [process.execPath, path.join(here, 'loadgen.ts'), file]);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
await new Promise((r) => child.once('exit', r));
if (session.tokens)
  console.log('persisted', await persistedMessages(running, session.tokens[0] as string, session.rooms));
await running.stop();
await session.close();
fs.rmSync(file, { force: true });
