// docs/security.md lists every limit with its setting and default; the README's configuration
// table is where each setting is documented. This keeps the two in step, and both in step with
// the settings the server really reads.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');

/** `| a | b | c |` rows of a Markdown table, as cells (the header and the rule skipped by the caller). */
const rows = (markdown: string) =>
  markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
/** `A`, `B` → ['A', 'B']; `1GiB`, `5GiB` → ['1GiB', '5GiB']. */
const codes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

describe('docs/security.md', () => {
  const section = read('docs/security.md').split('## The limits')[1]?.split('\n## ')[0] ?? '';
  const limits = rows(section).filter((cells) => cells.length === 3 && cells[1]?.startsWith('`'));

  // The README names some settings by a shared prefix (`AUTOCOMPLETE_OPENAI_URL`, `_KEY`): the
  // limits are all written out in full, so a plain name lookup is enough.
  const readme = new Map<string, string[]>();
  for (const cells of rows(read('README.md').split('## Configuration')[1]?.split('\n## ')[0] ?? '')) {
    const names = codes(cells[0] ?? '');
    const defaults = codes(cells[1] ?? '');
    names.forEach((name, i) => {
      readme.set(name, defaults.length === names.length ? [defaults[i] ?? ''] : defaults);
    });
  }

  it('lists the limits', () => {
    expect(limits.length).toBeGreaterThan(20);
  });

  it('names only settings the server reads, with the README defaults', () => {
    const config = fs.readFileSync(path.join(repo, 'apps/server/src/config.ts'), 'utf8');
    for (const [, setting = '', defaults = ''] of limits) {
      const names = codes(setting);
      const values = codes(defaults);
      expect(values, `${setting}: one default per setting`).toHaveLength(names.length);
      names.forEach((name, i) => {
        expect(config, `${name} is a setting`).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
        expect(readme.get(name), `${name} in the README configuration table`).toEqual([values[i]]);
      });
    }
  });
});
