import { Worker } from 'node:worker_threads';

/**
 * Liveness under attack, for the hostile-client suite. The server runs in the test's own process:
 * a blocked event loop shows in every `/healthz` probe made from here, while the attacker runs in
 * a worker thread so that its own work (building and sending megabytes) does not sit on the
 * server's loop.
 */

export type Stats = { latencies: number[]; p25: number; median: number; max: number };

function stats(latencies: number[]): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
  return { latencies, p25: at(0.25), median: at(0.5), max: sorted.at(-1) ?? 0 };
}

/** Probes `/healthz` one request after another for as long as `attack` runs (and at least `minProbes` times). */
export async function probeWhile(baseUrl: string, attack: Promise<unknown>, minProbes = 8): Promise<Stats> {
  let done = false;
  const settled = attack.finally(() => {
    done = true;
  });
  settled.catch(() => {}); // awaited below; a failed attack fails the test there
  const latencies: number[] = [];
  while (!done || latencies.length < minProbes) {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(60_000) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 10));
  }
  await settled;
  return stats(latencies);
}

/** What the attacker thread does: POSTs every body at once, round after round. */
const ATTACKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, bodies, ms, minRounds, timeoutMs } = workerData;
(async () => {
  const until = performance.now() + ms;
  const answers = [];
  let rounds = 0;
  while (rounds < minRounds || performance.now() < until) {
    await Promise.all(bodies.map(async (body) => {
      const started = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(url + ' answered ' + res.status);
      answers.push(performance.now() - started);
    }));
    rounds++;
  }
  parentPort.postMessage({ rounds, answers });
})().catch((error) => parentPort.postMessage({ error: String(error) }));
`;

/**
 * Sends every body (JSON) to `url` at once, round after round, for at least `ms` and `minRounds`
 * rounds, from a worker thread. Rejects when any request fails or takes longer than `timeoutMs`.
 */
export function attackFromWorker(options: {
  url: string;
  bodies: string[];
  ms: number;
  minRounds?: number;
  timeoutMs?: number;
}): Promise<{ rounds: number; answers: Stats }> {
  const worker = new Worker(ATTACKER, {
    eval: true,
    workerData: { minRounds: 3, timeoutMs: 10_000, ...options },
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (result: { rounds: number; answers: number[] } | { error: string }) => {
      void worker.terminate();
      if ('error' in result) reject(new Error(`attacker: ${result.error}`));
      else resolve({ rounds: result.rounds, answers: stats(result.answers) });
    });
  });
}
