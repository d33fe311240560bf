import { describe, expect, it } from 'vitest';
import { fileKind, formatSize, isImage } from '../src/attachments/format.ts';

describe('formatSize', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1,023 bytes'],
    [1024, '1 KB'],
    [1536, '1.5 KB'],
    [48_213, '47 KB'],
    [1_048_576, '1 MB'],
    [1_572_864, '1.5 MB'],
    // The default upload limit: the server says "25 MB" for it too.
    [26_214_400, '25 MB'],
    [27_000_000, '26 MB'],
    [3_435_973_837, '3.2 GB'],
  ])('%d bytes read as %s', (bytes, text) => {
    expect(formatSize(bytes, 'en-US')).toBe(text);
  });

  it('writes numbers the reader’s way', () => {
    expect(formatSize(1536, 'de-DE')).toBe('1,5 KB');
  });
});

describe('file kinds', () => {
  it('shows raster images in place, and everything else (SVG too) as a file', () => {
    expect(isImage({ contentType: 'image/png' })).toBe(true);
    expect(isImage({ type: 'image/jpeg' })).toBe(true);
    expect(isImage({ contentType: 'image/svg+xml' })).toBe(false);
    expect(isImage({ contentType: 'application/pdf' })).toBe(false);
  });

  it('names the kind from the type, else the extension', () => {
    expect(fileKind({ contentType: 'application/pdf', name: 'menu.pdf' })).toBe('PDF');
    expect(fileKind({ contentType: 'text/plain', name: 'notes.txt' })).toBe('Text');
    expect(fileKind({ contentType: 'application/octet-stream', name: 'data.zip' })).toBe('Archive');
    expect(fileKind({ contentType: 'application/octet-stream', name: 'model.glb' })).toBe('GLB');
    expect(fileKind({ contentType: 'application/octet-stream', name: 'README' })).toBe('File');
  });
});
