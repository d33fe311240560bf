import {
  type DeviceIdentity,
  type DeviceKeys,
  openMessage,
  type ReplayGuard,
  type SealedMessage,
  sealMessage,
  verifyDeviceKeys,
} from '@tandem/crypto';
import type { Message } from '@tandem/protocol';
import type { RoomKeys } from './keyStore.ts';

/** A file in an encrypted room: the server holds only its ciphertext; the key travels in the message. */
export type SealedFile = { id: string; key: string; nonce: string; name: string; type: string; size: number };

/**
 * What is inside a sealed message. `unreadableFiles`: files the sender listed that failed the
 * checks below and were dropped (show the message with `filesNotice`).
 */
export type Payload = { text: string; files: SealedFile[]; unreadableFiles?: number };

/**
 * Types a decrypted file keeps: ones a browser shows without running anything — images but SVG,
 * PDF, plain text. Any other type, whatever the sender sealed (text/html, image/svg+xml, …),
 * becomes application/octet-stream: a blob of it opened in a tab would otherwise run at the
 * app's origin, next to the device and room keys.
 */
const SAFE_FILE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'application/pdf',
  'text/plain',
]);

export const OPAQUE_FILE_TYPE = 'application/octet-stream';

/** The type to build a decrypted file's Blob with: its own if on the list above, else opaque. */
export function safeFileType(type: unknown): string {
  if (typeof type !== 'string') return OPAQUE_FILE_TYPE;
  const essence = (type.split(';')[0] ?? '').trim().toLowerCase();
  return SAFE_FILE_TYPES.has(essence) ? essence : OPAQUE_FILE_TYPE;
}

export const FILE_NAME_MAX = 255;
// A name is shown and used as the download's name: no folders, no control or invisible
// formatting characters (which can make "exe.pdf" read as "fdp.exe").
const UNSAFE_NAME = /[/\\\p{Cc}\p{Cf}\u2028\u2029]/u;

export function isValidFileName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.trim() !== '' &&
    name.length <= FILE_NAME_MAX &&
    name !== '.' &&
    name !== '..' &&
    !UNSAFE_NAME.test(name)
  );
}

/** A local file's name made valid before it is sealed, so that every receiver accepts it. */
export function cleanFileName(name: string): string {
  const clean = name
    .replace(/[/\\]/g, '_')
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .trim()
    .slice(0, FILE_NAME_MAX);
  return isValidFileName(clean) ? clean : 'file';
}

const ATTACHMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FILE_KEY = /^[A-Za-z0-9_-]{43}$/; // 32 bytes, base64url
const FILE_NONCE = /^[A-Za-z0-9_-]{32}$/; // 24 bytes, base64url
const TYPE_MAX = 255;

/**
 * One entry of a sealed message's `files`, checked field by field — a member's client may be
 * hostile too. Returns the file with its type made safe, or null when any field is wrong.
 */
export function checkSealedFile(value: unknown): SealedFile | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { id, key, nonce, name, type, size } = value as Record<string, unknown>;
  if (typeof id !== 'string' || !ATTACHMENT_ID.test(id)) return null;
  if (typeof key !== 'string' || !FILE_KEY.test(key)) return null;
  if (typeof nonce !== 'string' || !FILE_NONCE.test(nonce)) return null;
  if (!isValidFileName(name)) return null;
  if (typeof type !== 'string' || type.length > TYPE_MAX) return null;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return null;
  return { id, key, nonce, name, type: safeFileType(type), size };
}

export function encodePayload(payload: Payload): string {
  return JSON.stringify(
    payload.files.length > 0 ? { text: payload.text, files: payload.files } : { text: payload.text },
  );
}

/**
 * A sealed message's plaintext: its text and files. Files are kept only if every field checks
 * out (and each id once); the others are counted in `unreadableFiles`.
 */
export function decodePayload(plaintext: string): Payload {
  try {
    const value = JSON.parse(plaintext) as { text?: unknown; files?: unknown };
    if (typeof value === 'object' && value !== null && typeof value.text === 'string') {
      // Not a list at all: one thing that cannot be shown.
      const listed: unknown[] = value.files === undefined ? [] : Array.isArray(value.files) ? value.files : [null];
      const files: SealedFile[] = [];
      for (const entry of listed) {
        const file = checkSealedFile(entry);
        if (file && !files.some((f) => f.id === file.id)) files.push(file);
      }
      const unreadable = listed.length - files.length;
      return unreadable > 0 ? { text: value.text, files, unreadableFiles: unreadable } : { text: value.text, files };
    }
  } catch {
    // Not ours: show it as text.
  }
  return { text: plaintext, files: [] };
}

/** What to show for files that were dropped: "1 file in this message cannot be displayed." */
export function filesNotice(payload: Payload): string | null {
  const n = payload.unreadableFiles ?? 0;
  if (n === 0) return null;
  return n === 1 ? '1 file in this message cannot be displayed.' : `${n} files in this message cannot be displayed.`;
}

/** The message's text as shown, with the notice about dropped files on a line of its own. */
export function payloadText(payload: Payload): string {
  const notice = filesNotice(payload);
  return notice ? [payload.text, `⚠ ${notice}`].filter(Boolean).join('\n') : payload.text;
}

export type Opened =
  | { state: 'open'; payload: Payload }
  | { state: 'no-key' }
  | { state: 'before-join' }
  | { state: 'pending' }
  | { state: 'invalid' };

export const NOTICE = {
  'no-key': 'Waiting for a member to share the key…',
  'before-join': 'Sent before you joined',
  pending: 'Opening…',
  invalid: 'This message could not be verified',
} as const;

export type OpenContext = {
  roomKeys: RoomKeys;
  devices: ReadonlyMap<string, DeviceKeys>;
  /** Devices asked for after a refetch and still unknown: their messages cannot be verified. */
  missing: ReadonlySet<string>;
  guard: ReplayGuard;
};

/** Opens one message of an encrypted room, or says why it cannot be read. Never throws. */
export function openOne(message: Message, ctx: OpenContext): Opened {
  const sealed = message.sealed as SealedMessage | null;
  if (!sealed) return { state: 'invalid' };
  if (ctx.roomKeys.size === 0) return { state: 'no-key' };
  const key = ctx.roomKeys.get(sealed.epoch);
  if (!key) return { state: 'before-join' };
  const sender = ctx.devices.get(sealed.senderDeviceId);
  if (!sender) return ctx.missing.has(sealed.senderDeviceId) ? { state: 'invalid' } : { state: 'pending' };
  if (
    sender.userId !== message.sender.id ||
    sealed.roomId !== message.roomId ||
    sealed.clientMessageId !== message.clientMessageId ||
    !verifyDeviceKeys(sender)
  ) {
    return { state: 'invalid' };
  }
  try {
    return { state: 'open', payload: decodePayload(openMessage(sealed, key, sender, ctx.guard)) };
  } catch {
    return { state: 'invalid' };
  }
}

/** Final results are kept: opening twice would trip the replay guard. */
export const isFinal = (opened: Opened) => opened.state === 'open' || opened.state === 'invalid';

export function sealText(input: {
  roomId: string;
  roomKeys: RoomKeys;
  identity: DeviceIdentity;
  clientMessageId: string;
  payload: Payload;
}): SealedMessage {
  const epoch = Math.max(...input.roomKeys.keys());
  const roomKey = input.roomKeys.get(epoch);
  if (!roomKey) throw new Error('no room key');
  return sealMessage({
    roomKey,
    roomId: input.roomId,
    epoch,
    sender: input.identity,
    clientMessageId: input.clientMessageId,
    plaintext: encodePayload(input.payload),
  });
}
