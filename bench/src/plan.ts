/**
 * What the runner tells the load generator (a Plan, as a JSON file) and what it answers (one
 * JSON line), and running it on its own core.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Layout, onCore, type Running, type Session } from './targets.ts';

export type Kind = 'ws' | 'socketio' | 'fastapi' | 'tandem';

export type Plan = {
  mode: 'traffic' | 'idle' | 'history';
  kind: Kind;
  port: number;
  /** The server's pid: its memory is read from /proc. */
  serverPid: number;
  /** Room names (baselines) or ids (Tandem). Member i is in room floor(i / membersPerRoom). */
  rooms: string[];
  membersPerRoom: number;
  /** Tandem: a session token per member. */
  tokens?: string[];
  /** The first members of each room send. */
  sendersPerRoom: number;
  ratePerSender: number;
  warmupMs: number;
  durationMs: number;
  /** Message bodies are padded to this many characters. */
  bodyChars?: number;
  /** The last members of each room stop reading once joined (scenario F). */
  nonReadersPerRoom?: number;
  /** idle mode: how long the connections stay idle before the memory is read. */
  settleMs?: number;
  /** history mode: repetitions of each measurement. */
  repetitions?: number;
};

export type Result = {
  /** Messages sent in the measured window, and in all (warm-up too). */
  sent: number;
  sentTotal: number;
  delivered: number;
  expected: number;
  lost: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Tandem: acks to senders (all, warm-up too) and the ack latency of the measured window. */
  acks: number;
  ackP50Ms: number;
  ackP99Ms: number;
  errors: number;
  firstError?: string;
  /** Sockets the server closed during the run (e.g. slow consumers cut off). */
  closedByServer: number;
  closedReaders: number;
  loadgenCpu: number;
  loadgenElu: number;
  /** How late sends went out against their schedule (p99, ms): a busy generator sends late. */
  sendLagP99Ms: number;
  saturated: boolean;
  /** The server's CPU use over the run (fraction of one core), and per delivery (µs). */
  serverCpu: number;
  serverCpuUsPerDelivery: number;
  serverRssStartKb: number;
  serverRssPeakKb: number;
  serverRssEndKb: number;
  /** Memory the kernel holds in TCP buffers, machine-wide (/proc/net/sockstat). */
  tcpMemStartKb: number;
  tcpMemPeakKb: number;
  connectSeconds: number;
};

export type IdleResult = {
  connections: number;
  serverRssBeforeKb: number;
  serverRssAfterKb: number;
  bytesPerConnection: number;
  loadgenRssKb: number;
  connectSeconds: number;
  /** The server's RSS each second while idle. */
  rssSamplesKb: number[];
};

export type HistoryResult = {
  repetitions: number;
  messagesInRoom: number;
  snapshotMessages: number;
  wsJoinP50Ms: number;
  wsJoinP99Ms: number;
  restP50Ms: number;
  restP99Ms: number;
};

/** Where the server is and who the members are: the part every plan of a run shares. */
export function planFor(kind: Kind, running: Running, session: Session, layout: Layout) {
  return {
    kind,
    port: running.port,
    serverPid: running.pid,
    rooms: session.rooms,
    membersPerRoom: layout.membersPerRoom,
    ...(session.tokens ? { tokens: session.tokens } : {}),
  };
}

/** For the modes that send nothing (idle, history). */
export const NO_TRAFFIC = { sendersPerRoom: 0, ratePerSender: 0, warmupMs: 0, durationMs: 0 } as const;

const loadgen = path.join(path.dirname(fileURLToPath(import.meta.url)), 'loadgen.ts');
let planCounter = 0;

/** Runs the load generator on core 1 with this plan; resolves with the line it printed last. */
export function runLoadgen<T>(plan: Plan): Promise<T> {
  const file = path.join(os.tmpdir(), `tandem-bench-plan-${process.pid}-${planCounter++}.json`);
  fs.writeFileSync(file, JSON.stringify(plan));
  const [command, args] = onCore(1, [process.execPath, loadgen, file]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  return new Promise<T>((resolve, reject) =>
    child.once('exit', (code) => {
      fs.rmSync(file, { force: true });
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as T);
      else reject(new Error(`loadgen exited ${code}`));
    }),
  );
}
