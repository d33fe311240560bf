// The first command of the README must work on a machine with only the npm registry and
// Debian's packages: no compiler, no Node header download, and one Node version everywhere.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');

describe('installing Tandem', () => {
  it('runs no install script: npm would otherwise node-gyp rebuild better-sqlite3 (offline, no compiler)', () => {
    const npmrc = read('.npmrc')
      .split('\n')
      .map((line) => line.trim());
    expect(npmrc).toContain('ignore-scripts=true');
    // A dependency that really needs its install script must be reviewed and named here (and in
    // .npmrc's comment), with a way to build it that needs nothing but the registry.
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    // @scarf/scarf (under @asyncapi/parser's Spectral, a dev dependency) has a postinstall that
    // only reports the download for analytics: skipped, nothing is lost.
    const notNeeded = new Set(['node_modules/@scarf/scarf']);
    const withScripts = Object.entries(lock.packages)
      .filter(([name, entry]) => entry.hasInstallScript && !notNeeded.has(name))
      .map(([name]) => name);
    expect(withScripts).toEqual(['node_modules/better-sqlite3']);
  });

  it('better-sqlite3 loads the prebuilt binary it ships, without a build folder', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const Database = require('better-sqlite3');
         const db = new Database(':memory:');
         console.log(db.prepare('select sqlite_version() as v').get().v);
         console.log(require.resolve('better-sqlite3'));`,
      ],
      { cwd: path.join(repo, 'apps/server'), encoding: 'utf8' },
    );
    const [version, resolved] = out.trim().split('\n');
    expect(version).toMatch(/^3\.\d+\.\d+$/);
    // The package's entry point picks prebuilds/<platform>.node for this platform.
    const pkg = path.dirname(path.dirname(resolved ?? ''));
    expect(fs.existsSync(path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}.node`))).toBe(true);
  });

  it('asks for the same Node everywhere: engines, .nvmrc, ./tandem and the Dockerfile', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const tandem = /^NODE_MAJOR=(\d+)$/m.exec(read('tandem'))?.[1];
    const nvmrc = read('.nvmrc').trim();
    const docker = /^ARG NODE_IMAGE=node:(\d+)/m.exec(read('Dockerfile'))?.[1];
    expect(tandem).toBe(String(process.versions.node.split('.')[0]));
    expect(engines).toBe(`>=${tandem}`);
    expect(nvmrc).toBe(tandem);
    expect(docker).toBe(tandem);
  });
});
