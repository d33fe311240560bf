import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const mainTs = path.resolve(import.meta.dirname, '../src/main.ts');

export type ServerProcess = {
  name: string;
  child: ChildProcess;
  http: string;
  ws: string;
  /** Every log line at warn level or above, and anything on stderr, as it arrived. */
  problems: string[];
  /** Everything the process logged so far. */
  output: () => string;
};

/** Every process started here, so a worker that exits never leaves a server behind. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Starts `node src/main.ts` on port 0 and resolves once its log says where it listens. */
export async function startServerProcess(name: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [mainTs], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // Keep the pipes drained (a full pipe would block the server's synchronous log writes).
  let all = '';
  let partial = '';
  const problems: string[] = [];
  child.stderr?.on('data', (chunk) => {
    all += String(chunk);
    problems.push(`stderr: ${String(chunk)}`);
  });
  child.stdout?.on('data', (chunk) => {
    all += String(chunk);
    const lines = (partial + String(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (Number(/"level":(\d+)/.exec(line)?.[1] ?? 0) >= 40) problems.push(line);
  });
  const http = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a server behind: one that did not start in time is killed.
      child.kill('SIGKILL');
      reject(new Error(`server ${name} did not start:\n${all.slice(-10_000)}`));
    }, 20_000);
    const listening = () => {
      const match = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(all);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', listening);
      resolve(match[1]);
    };
    child.stdout?.on('data', listening);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server ${name} exited (${code ?? signal}) before listening:\n${all.slice(-10_000)}`));
    });
  });
  return { name, child, http, ws: `${http.replace('http', 'ws')}/ws`, problems, output: () => all };
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves with the exit code. */
export async function stopServerProcess(child: ChildProcess, graceMs = 3000): Promise<number | null> {
  if (!isRunning(child)) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return code;
}
