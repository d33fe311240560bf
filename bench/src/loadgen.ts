/**
 * The load generator, in a process of its own (pinned to its own core by the runner).
 * Open loop: senders send on schedule whatever the replies. Latency is send → receipt at every
 * member, read from the raw frame with indexOf (no JSON parsing per delivery). Reports its own
 * CPU and event-loop use so that a run where the generator saturates can be flagged.
 *
 * argv[2]: JSON Plan. Writes one JSON Result line to stdout.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

export type Plan = {
  kind: 'ws' | 'tandem';
  url: string;
  members: number;
  senders: number;
  ratePerSender: number;
  warmupMs: number;
  durationMs: number;
  /** Tandem: a session token per member, and the room to join. */
  tokens?: string[];
  roomId?: string;
};

export type Result = {
  sent: number;
  delivered: number;
  expected: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  loadgenCpu: number;
  loadgenElu: number;
};

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const latencies: number[] = [];
let measureFrom = 0;
let measureUntil = Number.POSITIVE_INFINITY;
let delivered = 0;

function onFrame(data: unknown) {
  const text = String(data);
  // Tandem answers the sender with an ack carrying the stored message and also delivers it with
  // the room's broadcast; count the broadcast only, as the bare ws baseline does.
  if (text.startsWith('{"type":"ack"')) return;
  const at = text.indexOf('"body":"t:');
  const raw = at >= 0 ? text.slice(at + 10, text.indexOf('"', at + 10)) : text.startsWith('t:') ? text.slice(2) : '';
  if (!raw) return;
  const sentAt = Number(raw.split('|')[0]);
  if (sentAt < measureFrom || sentAt > measureUntil) return;
  delivered += 1;
  latencies.push(performance.now() - sentAt);
}

async function connect(i: number): Promise<WebSocket> {
  const headers = plan.kind === 'tandem' ? { authorization: `Bearer ${plan.tokens?.[i]}` } : undefined;
  const socket = new WebSocket(plan.url, { headers, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    if (plan.kind === 'ws') socket.once('open', () => resolve());
    else {
      socket.on('message', function first(data) {
        const text = String(data);
        if (text.startsWith('{"type":"hello"')) socket.send(JSON.stringify({ type: 'join', roomId: plan.roomId }));
        if (text.startsWith('{"type":"joined"')) {
          socket.off('message', first);
          resolve();
        }
      });
    }
  });
  socket.on('message', onFrame);
  return socket;
}

const sockets: WebSocket[] = [];
for (let i = 0; i < plan.members; i += 50) {
  sockets.push(
    ...(await Promise.all(Array.from({ length: Math.min(50, plan.members - i) }, (_, k) => connect(i + k)))),
  );
}

let sent = 0;
const start = performance.now();
measureFrom = start + plan.warmupMs;
measureUntil = measureFrom + plan.durationMs;
const cpuBefore = process.cpuUsage();
const eluBefore = performance.eventLoopUtilization();
const interval = 1000 / plan.ratePerSender;
const timers = sockets.slice(0, plan.senders).map((socket, s) => {
  let n = 0;
  const next = () => {
    // Rounded once, so the sender and the receivers put a message on the same side of the window.
    const now = Number(performance.now().toFixed(3));
    if (now > measureUntil) return;
    const body = `t:${now}|${s}-${n}`;
    if (now >= measureFrom) sent += 1;
    socket.send(
      plan.kind === 'ws'
        ? body
        : `{"type":"send","roomId":"${plan.roomId}","clientMessageId":"b${s}x${n}","body":"${body}"}`,
    );
    n += 1;
    // Open loop: the next send is due at its planned time, whatever happened meanwhile.
    setTimeout(next, Math.max(0, start + (s / plan.senders) * interval + n * interval - performance.now()));
  };
  return setTimeout(next, (s / plan.senders) * interval);
});

await new Promise((r) => setTimeout(r, plan.warmupMs + plan.durationMs + 1500));
for (const t of timers) clearTimeout(t);
const cpu = process.cpuUsage(cpuBefore);
const elu = performance.eventLoopUtilization(eluBefore);
latencies.sort((a, b) => a - b);
const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
const wall = plan.durationMs + plan.warmupMs + 1500;
const result: Result = {
  sent,
  delivered,
  expected: sent * plan.members,
  deliveriesPerSecond: delivered / (plan.durationMs / 1000),
  p50Ms: pick(0.5),
  p99Ms: pick(0.99),
  maxMs: latencies.at(-1) ?? Number.NaN,
  loadgenCpu: (cpu.user + cpu.system) / 1000 / wall,
  loadgenElu: elu.utilization,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
for (const s of sockets) s.terminate();
process.exit(0);
