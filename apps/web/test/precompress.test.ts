import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { compressibleFiles, precompressFile } from '../build/precompress.ts';

describe('precompressing the build', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-precompress-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes .br and .gz beside a file, smaller than it and decoding to exactly its bytes', async () => {
    const file = path.join(tempDir(), 'app-1a2b3c.js');
    const text = Array.from({ length: 300 }, (_, i) => `export const value${i} = ${i} * 2;`).join('\n');
    fs.writeFileSync(file, text);
    const result = await precompressFile(file);
    const br = fs.readFileSync(`${file}.br`);
    const gz = fs.readFileSync(`${file}.gz`);
    expect(result).toEqual({ file, bytes: text.length, br: br.length, gz: gz.length });
    expect(br.length).toBeLessThan(gz.length);
    expect(gz.length).toBeLessThan(text.length);
    expect(zlib.brotliDecompressSync(br).toString()).toBe(text);
    expect(zlib.gunzipSync(gz).toString()).toBe(text);
  });

  it('writes no variant that would not be smaller than the file', async () => {
    const file = path.join(tempDir(), 'random-4d5e6f.js');
    fs.writeFileSync(file, randomBytes(2048));
    expect(await precompressFile(file)).toEqual({ file, bytes: 2048 });
    expect(fs.existsSync(`${file}.br`)).toBe(false);
    expect(fs.existsSync(`${file}.gz`)).toBe(false);
  });

  it('takes the text files of the build, in every folder, and not source maps, images or Vite’s own folder', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.mkdirSync(path.join(dir, '.vite'));
    for (const name of [
      'index.html',
      'favicon.svg',
      'assets/index-1a2b.js',
      'assets/index-1a2b.js.map',
      'assets/index-3c4d.css',
      'assets/photo-5e6f.png',
      'assets/font-7a8b.woff2',
      '.vite/manifest.json',
    ]) {
      fs.writeFileSync(path.join(dir, name), 'x');
    }
    const files = (await compressibleFiles(dir)).map((file) => path.relative(dir, file)).sort();
    expect(files).toEqual(['assets/index-1a2b.js', 'assets/index-3c4d.css', 'favicon.svg', 'index.html']);
  });
});
