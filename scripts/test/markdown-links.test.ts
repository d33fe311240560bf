import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { remark } from 'remark';
import remarkValidateLinks from 'remark-validate-links';
import { type Options as EngineOptions, engine } from 'unified-engine';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Every Markdown file of the repository (outside node_modules and what Git ignores) is checked
 * with remark-validate-links: a relative link must name a file that exists, and an anchor a
 * heading (or an element id) of that file. External http(s) links are not fetched. A link may
 * not leave the repository either, even to a file that exists beside this checkout: a clone has
 * only what is inside.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function markdownFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.md'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out
    .split('\0')
    .filter((file) => file && !file.split('/').includes('node_modules'))
    .sort();
}

/** Reports relative links (and images, definitions) whose target lies outside `root`. */
type MdNode = { type: string; url?: string; children?: MdNode[] };
type MdFile = { cwd: string; path: string; message(reason: string, place: MdNode): unknown };

function stayInside(options: { root: string }) {
  const walk = (node: MdNode, visit: (node: MdNode) => void) => {
    visit(node);
    for (const child of node.children ?? []) walk(child, visit);
  };
  return (tree: MdNode, file: MdFile) => {
    const base = path.dirname(path.resolve(file.cwd, file.path));
    walk(tree, (node) => {
      const url = node.url;
      if (typeof url !== 'string') return;
      // Absolute URLs (http:, mailto:…), protocol-relative and site-absolute paths, and anchors.
      if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('/') || url.startsWith('#')) return;
      const target = path.resolve(base, decodeURI(url.split('#')[0] ?? ''));
      const relative = path.relative(options.root, target);
      if (relative.startsWith('..') || path.isAbsolute(relative)) {
        file.message(`Link leaves the repository: \`${url}\``, node);
      }
    });
  };
}

/** Each broken link as `file:line:column: message`, for the given files under `root`. */
async function brokenLinks(root: string, files: string[]): Promise<string[]> {
  const context = await new Promise<{
    files?: Array<{ path: string; messages: Array<{ line?: number; column?: number; reason: string }> }>;
  }>((resolve, reject) => {
    engine(
      {
        processor: remark(),
        files,
        cwd: root,
        // Cast: the plugins' own types (mdast, vfile) are not this file's dependencies.
        plugins: [
          [remarkValidateLinks, { repository: false, root }],
          [stayInside, { root }],
        ] as unknown as EngineOptions['plugins'],
        extensions: ['md'],
        output: false,
        out: false,
        quiet: true,
        color: false,
        // The report goes to the returned list, not to the test's output.
        streamError: new PassThrough(),
      },
      (error, _code, result) => (error ? reject(error) : resolve(result as never)),
    );
  });
  return (context.files ?? []).flatMap((file) =>
    file.messages.map(
      (m) => `${path.relative(root, path.resolve(root, file.path))}:${m.line}:${m.column}: ${m.reason}`,
    ),
  );
}

describe('Markdown links', () => {
  it('finds the Markdown files to check', () => {
    const files = markdownFiles(repoRoot);
    expect(files).toContain('README.md');
    expect(files).toContain('docs/encryption.md');
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
  });

  it('every relative link and anchor in the repository resolves', async () => {
    expect(await brokenLinks(repoRoot, markdownFiles(repoRoot))).toEqual([]);
  }, 60_000);

  describe('the check itself', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tandem-links-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(path.join(dir, 'docs'));
    writeFileSync(path.join(dir, 'docs', 'guide.md'), '# Guide\n\n## Getting started\n\nText.\n');
    const check = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return brokenLinks(dir, [name, 'docs/guide.md']);
    };

    it('accepts links to files, headings in the same file and headings in other files', async () => {
      const text =
        '# Home\n\n## Set-up\n\n[guide](docs/guide.md), [start](docs/guide.md#getting-started), [set-up](#set-up), [web](https://example.com/nowhere)\n';
      expect(await check('good.md', text)).toEqual([]);
    });

    it('fails on a link to a missing file', async () => {
      const found = await check('missing-file.md', '# A\n\n[design](docs/design.md)\n');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^missing-file\.md:3:1: Cannot find file `docs\/design.md`/);
    });

    it('fails on a link out of the repository, even to a file that exists there', async () => {
      const outside = mkdtempSync(path.join(tmpdir(), 'tandem-links-outside-'));
      try {
        writeFileSync(path.join(outside, 'E2E.md'), '# E2E\n');
        const link = path.relative(dir, path.join(outside, 'E2E.md'));
        const found = await check('outside.md', `# A\n\n[design](${link})\n`);
        expect(found).toEqual([`outside.md:3:1: Link leaves the repository: \`${link}\``]);
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    });

    it('fails on an anchor that names no heading, here or in another file', async () => {
      const found = await check('missing-anchor.md', '# A\n\n[here](#nowhere) and [there](docs/guide.md#nowhere)\n');
      expect(found).toHaveLength(2);
      expect(found.join('\n')).toMatch(/Cannot find heading for `#nowhere`/);
      expect(found.join('\n')).toMatch(/Cannot find heading for `#nowhere` in `docs\/guide.md`/);
    });
  });
});
