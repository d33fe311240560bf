/**
 * One measured run, for profiling and experiments:
 * `node bench/src/one.ts <ws|Socket.IO|FastAPI|Tandem|Tandem PG> <rooms> <membersPerRoom> <sendersPerRoom> <msg/s per sender> [seconds] [bodyChars] [nonReadersPerRoom]`.
 * With BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' Tandem writes a CPU profile.
 */
import { planFor, type Result, runLoadgen } from './plan.ts';
import { fastApiTarget, persistedMessages, socketIoTarget, tandemPostgres, tandemSqlite, wsTarget } from './targets.ts';

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
const result = await runLoadgen<Result>({
  mode: 'traffic',
  ...planFor(target.kind, running, session, layout),
  sendersPerRoom: Number(senders),
  ratePerSender: Number(rate),
  warmupMs: 1000,
  durationMs: Number(seconds) * 1000,
  bodyChars: Number(body),
  nonReadersPerRoom: Number(non),
});
console.log(JSON.stringify(result));
if (session.tokens)
  console.log('persisted', await persistedMessages(running, session.tokens[0] as string, session.rooms));
await running.stop();
await session.close();
