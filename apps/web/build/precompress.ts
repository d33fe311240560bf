import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Plugin } from 'vite';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Text types a browser fetches; images and fonts are compressed already. Source maps are left out (see below). */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt|xml|wasm)$/;

export type Precompressed = { file: string; bytes: number; br?: number; gz?: number };

/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9) beside a file, each
 * only if it is smaller than the file. Returns the sizes of what it wrote.
 */
export async function precompressFile(file: string): Promise<Precompressed> {
  const data = await fs.readFile(file);
  const [br, gz] = await Promise.all([
    brotli(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    gzip(data, { level: zlib.constants.Z_BEST_COMPRESSION }),
  ]);
  const result: Precompressed = { file, bytes: data.length };
  // A variant that does not shrink is not written: the server then sends the file itself.
  if (br.length < data.length) {
    await fs.writeFile(`${file}.br`, br);
    result.br = br.length;
  }
  if (gz.length < data.length) {
    await fs.writeFile(`${file}.gz`, gz);
    result.gz = gz.length;
  }
  return result;
}

/** The files under `dir` worth compressing (not source maps, not variants already written). */
export async function compressibleFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && COMPRESSIBLE.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !path.relative(dir, file).split(path.sep).includes('.vite'));
}

/**
 * Compresses the built app once, at build time and at the highest settings: the hashed assets,
 * index.html and the public files. The Tandem server sends `<file>.br` or `<file>.gz` to a
 * browser that accepts it and never compresses these files per request (see
 * apps/server/src/http/web.ts). Source maps are left out: only developer tools fetch them, and
 * brotli at quality 11 would take most of the build's time on them.
 */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'tandem-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    // After the bundle and the public folder's copies are all written.
    async closeBundle() {
      const files = await compressibleFiles(outDir);
      await Promise.all(files.map((file) => precompressFile(file)));
    },
  };
}
