import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const biome = path.join(root, 'node_modules/.bin/biome');

type Report = { diagnostics: Array<{ category: string; location: { path: string; start: { line: number } } }> };

/**
 * Lints probe files with the repository's biome.json in a scratch copy of the tree (so that
 * nothing is written under src/), and returns "path:line" of every layer violation found.
 */
function violations(files: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-layers-'));
  dirs.push(dir);
  fs.copyFileSync(path.join(root, 'biome.json'), path.join(dir, 'biome.json'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  let out: string;
  try {
    out = execFileSync(biome, ['lint', '--vcs-enabled=false', '--reporter=json', '.'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    out = String((error as { stdout?: string }).stdout);
  }
  const report = JSON.parse(out) as Report;
  return report.diagnostics
    .filter((d) => d.category === 'lint/style/noRestrictedImports')
    .map((d) => `${d.location.path}:${d.location.start.line}`)
    .sort();
}
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const src = 'apps/server/src';

describe("the README's layer table, enforced by biome.json", () => {
  it('flags imports across the forbidden edges', () => {
    expect(
      violations({
        [`${src}/http/probe.ts`]: "import { ping } from '../store/db.ts';\nexport const a = ping;\n",
        [`${src}/services/probe.ts`]: [
          "import { a } from '../http/probe.ts';",
          "import { b } from '../realtime/probe.ts';",
          "import Fastify from 'fastify';",
          'export const c = [a, b, Fastify];',
          '',
        ].join('\n'),
        [`${src}/services/autocomplete/probe.ts`]: "import { a } from '../../http/probe.ts';\nexport const d = a;\n",
        [`${src}/store/probe.ts`]: "import { c } from '../services/probe.ts';\nexport const e = c;\n",
        [`${src}/bus/probe.ts`]: "import { ping } from '../store/db.ts';\nexport const f = ping;\n",
        [`${src}/realtime/probe.ts`]: [
          "import { WebSocket } from 'ws';",
          "import { ping } from '../store/db.ts';",
          'export const b = [WebSocket, ping];',
          '',
        ].join('\n'),
      }),
    ).toEqual([
      `${src}/bus/probe.ts:1`,
      `${src}/http/probe.ts:1`,
      `${src}/realtime/probe.ts:1`,
      `${src}/realtime/probe.ts:2`,
      `${src}/services/autocomplete/probe.ts:1`,
      `${src}/services/probe.ts:1`,
      `${src}/services/probe.ts:2`,
      `${src}/services/probe.ts:3`,
      `${src}/store/probe.ts:1`,
    ]);
  });

  it('allows the edges the table allows', () => {
    expect(
      violations({
        [`${src}/http/probe.ts`]: "import { s } from '../services/index.ts';\nexport const a = s;\n",
        [`${src}/services/probe.ts`]: "import { ping } from '../store/db.ts';\nexport const c = ping;\n",
        [`${src}/store/probe.ts`]: "import { ping } from './db.ts';\nexport const e = ping;\n",
        [`${src}/realtime/gateway.ts`]: "import { WebSocket } from 'ws';\nexport const g = WebSocket;\n",
        [`${src}/realtime/probe.ts`]: "import { s } from '../services/index.ts';\nexport const b = s;\n",
      }),
    ).toEqual([]);
  });
});
