import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

let gc: Gc | undefined;

/**
 * Lets `scavengeEvery` collect: turns on V8's `--expose-gc` and takes `gc` from a fresh context
 * (the app's own global never gets it). A process-wide flag, so only the process's entry point
 * (main.ts) calls it; importing this module changes nothing. Idempotent.
 */
export function enableScavenging(): void {
  if (gc) return;
  v8.setFlagsFromString('--expose-gc');
  gc = vm.runInNewContext('gc') as Gc | undefined;
}

/** Whether `enableScavenging` has run (and V8 handed over `gc`). */
export function scavengingEnabled(): boolean {
  return gc !== undefined;
}

/**
 * Streaming a large upload allocates a 64 KB buffer per socket read. V8 frees them only when
 * its young generation fills or external memory has grown by ~64 MB, so a fast 300 MB upload
 * would grow the process by about that much. A minor GC (a scavenge: about a millisecond, the
 * live young objects only) every few megabytes frees them as they go. Without
 * `enableScavenging()` it only counts.
 */
export function scavengeEvery(bytes: number): (chunkBytes: number) => void {
  let since = 0;
  return (chunkBytes) => {
    since += chunkBytes;
    if (since < bytes || !gc) return;
    since = 0;
    gc({ type: 'minor' });
  };
}
