import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

// A fresh context gets `gc` once the flag is on; the app's own global never does.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as Gc | undefined;

/**
 * Streaming a large upload allocates a 64 KB buffer per socket read. V8 frees them only when
 * its young generation fills or external memory has grown by ~64 MB, so a fast 300 MB upload
 * would grow the process by about that much. A minor GC (a scavenge: about a millisecond, the
 * live young objects only) every few megabytes frees them as they go.
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
