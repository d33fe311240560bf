import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const memoryTs = pathToFileURL(path.resolve(import.meta.dirname, '../src/services/memory.ts')).href;

/** Runs `body` in a fresh Node process (a clean V8: no module has set a flag yet) and returns its stdout. */
function inFreshProcess(body: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', body], { encoding: 'utf8' }).trim();
}

describe('services/memory.ts', () => {
  it('importing it sets no V8 flag: a fresh context still has no gc', () => {
    const out = inFreshProcess(`
      import vm from 'node:vm';
      const memory = await import(${JSON.stringify(memoryTs)});
      console.log(JSON.stringify({ gc: vm.runInNewContext('typeof gc'), enabled: memory.scavengingEnabled() }));
    `);
    expect(JSON.parse(out)).toEqual({ gc: 'undefined', enabled: false });
  });

  it('enableScavenging() is the explicit switch', () => {
    const out = inFreshProcess(`
      import vm from 'node:vm';
      const memory = await import(${JSON.stringify(memoryTs)});
      memory.enableScavenging();
      memory.enableScavenging();
      const scavenge = memory.scavengeEvery(10);
      scavenge(20);
      console.log(JSON.stringify({ gc: vm.runInNewContext('typeof gc'), enabled: memory.scavengingEnabled() }));
    `);
    expect(JSON.parse(out)).toEqual({ gc: 'function', enabled: true });
  });
});
