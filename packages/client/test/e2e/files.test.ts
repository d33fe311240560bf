// Issue 15, item 3b: the `files` of a sealed message come from another member's client, which
// may be hostile. Every field is checked; types are mapped to ones that run nothing.
import { createDeviceIdentity, deviceKeysOf, generateRoomKey, ReplayGuard } from '@tandem/crypto';
import type { Message } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import {
  checkSealedFile,
  cleanFileName,
  decodePayload,
  filesNotice,
  isValidFileName,
  openOne,
  payloadText,
  safeFileType,
  sealText,
} from '../../src/e2e/index.ts';

const good = {
  id: 'Fz3k9QwLm2Xp8Rt5Vb7Nc1',
  key: 'A'.repeat(43),
  nonce: 'B'.repeat(32),
  name: 'menu.pdf',
  type: 'application/pdf',
  size: 48_213,
};
const payload = (files: unknown) => JSON.stringify({ text: 'see attached', files });

describe('file types after decryption', () => {
  it('keep images (not SVG), PDF and plain text; everything else is application/octet-stream', () => {
    for (const type of ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'application/pdf']) {
      expect(safeFileType(type), type).toBe(type);
    }
    expect(safeFileType('text/plain; charset=utf-8')).toBe('text/plain');
    expect(safeFileType(' Image/PNG ')).toBe('image/png');
    for (const type of [
      'text/html',
      'TEXT/HTML',
      'text/html; charset=utf-8',
      'image/svg+xml',
      'application/xhtml+xml',
      'text/xml',
      'application/xml',
      'text/javascript',
      'application/javascript',
      'text/css',
      'multipart/x-mixed-replace',
      'audio/mpeg',
      'image/png\u0000text/html',
      '',
      42,
      null,
    ]) {
      expect(safeFileType(type), String(type)).toBe('application/octet-stream');
    }
  });
});

describe('a sealed file entry', () => {
  it('passes when every field is right, with its type made safe', () => {
    expect(checkSealedFile(good)).toEqual(good);
    expect(checkSealedFile({ ...good, type: 'text/html' })).toEqual({ ...good, type: 'application/octet-stream' });
    expect(checkSealedFile({ ...good, size: 0 })).toEqual({ ...good, size: 0 });
    // Unknown fields are not carried along.
    expect(checkSealedFile({ ...good, url: 'javascript:alert(1)' })).toEqual(good);
  });

  it('fails on any wrong field', () => {
    const wrong: Array<[string, unknown]> = [
      ['not an object', 'menu.pdf'],
      ['an array', [good]],
      ['null', null],
      ['id missing', { ...good, id: undefined }],
      ['id not a string', { ...good, id: 7 }],
      ['id with a slash', { ...good, id: '../uploads' }],
      ['id too long', { ...good, id: 'a'.repeat(65) }],
      ['key too short', { ...good, key: 'A'.repeat(42) }],
      ['key not base64url', { ...good, key: `${'A'.repeat(42)}+` }],
      ['nonce too long', { ...good, nonce: 'B'.repeat(33) }],
      ['nonce not a string', { ...good, nonce: 12 }],
      ['name missing', { ...good, name: undefined }],
      ['name empty', { ...good, name: '' }],
      ['name only spaces', { ...good, name: '   ' }],
      ['name with a slash', { ...good, name: '../../.bashrc' }],
      ['name with a backslash', { ...good, name: '..\\..\\boot.ini' }],
      ['name "."', { ...good, name: '.' }],
      ['name ".."', { ...good, name: '..' }],
      ['name with a newline', { ...good, name: 'a\nb.txt' }],
      ['name with NUL', { ...good, name: 'a\u0000.txt' }],
      ['name with a right-to-left override', { ...good, name: 'invoice\u202Efdp.exe' }],
      ['name with a zero-width joiner', { ...good, name: 'a\u200Db.txt' }],
      ['name too long', { ...good, name: `${'a'.repeat(252)}.pdf` }],
      ['type not a string', { ...good, type: ['text/html'] }],
      ['type too long', { ...good, type: `image/png;${'x'.repeat(300)}` }],
      ['size negative', { ...good, size: -1 }],
      ['size fractional', { ...good, size: 1.5 }],
      ['size a string', { ...good, size: '10' }],
      ['size unsafe', { ...good, size: 2 ** 53 }],
      ['size NaN', { ...good, size: Number.NaN }],
      ['size Infinity', { ...good, size: Number.POSITIVE_INFINITY }],
    ];
    for (const [why, value] of wrong) expect(checkSealedFile(value), why).toBeNull();
  });
});

describe('a sealed payload', () => {
  it('keeps the valid files, drops the others (and repeated ids), and counts what it dropped', () => {
    const decoded = decodePayload(
      payload([good, { ...good, id: 'other-id-01', name: 'a/b' }, good, { ...good, id: 'third', size: -5 }]),
    );
    expect(decoded).toEqual({ text: 'see attached', files: [good], unreadableFiles: 3 });
    expect(filesNotice(decoded)).toBe('3 files in this message cannot be displayed.');
    expect(payloadText(decoded)).toBe('see attached\n⚠ 3 files in this message cannot be displayed.');
  });

  it('treats a files field that is not a list as one file that cannot be displayed', () => {
    const decoded = decodePayload(payload({ ...good }));
    expect(decoded).toEqual({ text: 'see attached', files: [], unreadableFiles: 1 });
    expect(payloadText({ text: '', files: [], unreadableFiles: 1 })).toBe(
      '⚠ 1 file in this message cannot be displayed.',
    );
  });

  it('says nothing when every file is fine', () => {
    const decoded = decodePayload(payload([good]));
    expect(decoded).toEqual({ text: 'see attached', files: [good] });
    expect(filesNotice(decoded)).toBeNull();
    expect(payloadText(decoded)).toBe('see attached');
    expect(decodePayload(JSON.stringify({ text: 'no files' }))).toEqual({ text: 'no files', files: [] });
  });

  it('is checked when a real sealed message is opened', () => {
    const device = createDeviceIdentity();
    const sender = { id: 'mallory-id-1', username: 'mallory', name: null, guest: false };
    const roomKeys = new Map([[1, generateRoomKey()]]);
    const sealed = sealText({
      roomId: 'room-id-0001',
      roomKeys,
      identity: device,
      clientMessageId: 'cm-1',
      payload: {
        text: 'report attached',
        files: [
          { ...good, name: 'report.pdf', type: 'text/html' },
          { ...good, id: 'second-file', name: 'evil\u202Efdp.exe' },
        ],
      },
    });
    const message: Message = {
      id: 'msg-1',
      roomId: 'room-id-0001',
      seq: 1,
      sender,
      clientMessageId: 'cm-1',
      body: '',
      attachments: [],
      sealed,
      createdAt: '2026-11-01T10:00:00.000Z',
    };
    const opened = openOne(message, {
      roomKeys,
      devices: new Map([[device.deviceId, deviceKeysOf(device, sender.id)]]),
      missing: new Set(),
      guard: new ReplayGuard(),
    });
    expect(opened).toEqual({
      state: 'open',
      payload: {
        text: 'report attached',
        files: [{ ...good, name: 'report.pdf', type: 'application/octet-stream' }],
        unreadableFiles: 1,
      },
    });
  });
});

describe('file names for sealing', () => {
  it('are made valid: no folders, control or formatting characters, at most 255 characters', () => {
    expect(cleanFileName('menu.pdf')).toBe('menu.pdf');
    expect(cleanFileName('a/b\\c.txt')).toBe('a_b_c.txt');
    expect(cleanFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(cleanFileName('line\nbreak.txt')).toBe('linebreak.txt');
    expect(cleanFileName('..')).toBe('file');
    expect(cleanFileName('\u0000')).toBe('file');
    expect(cleanFileName('x'.repeat(300))).toHaveLength(255);
    for (const name of ['menu.pdf', 'a/b\\c.txt', 'invoice\u202Efdp.exe', '..', 'x'.repeat(300)]) {
      expect(isValidFileName(cleanFileName(name)), name).toBe(true);
    }
  });
});
