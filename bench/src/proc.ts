/** Readings from /proc (Linux): what the load generator reports about the server and the machine. */
import fs from 'node:fs';

/** The process's resident memory (KB), from /proc/<pid>/status. */
export function rssKb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** Kernel memory in TCP buffers, machine-wide: /proc/net/sockstat counts it in pages. */
export function tcpMemKb(): number {
  try {
    const pages = Number(/TCP:.* mem (\d+)/.exec(fs.readFileSync('/proc/net/sockstat', 'utf8'))?.[1]);
    return pages * 4;
  } catch {
    return Number.NaN;
  }
}

/** The server's CPU time so far (user + system, ms), from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
