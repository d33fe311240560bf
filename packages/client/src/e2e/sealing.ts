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

/** What is inside a sealed message. */
export type Payload = { text: string; files: SealedFile[] };

export function encodePayload(payload: Payload): string {
  return JSON.stringify(
    payload.files.length > 0 ? { text: payload.text, files: payload.files } : { text: payload.text },
  );
}

export function decodePayload(plaintext: string): Payload {
  try {
    const value = JSON.parse(plaintext) as Partial<Payload>;
    if (typeof value === 'object' && value !== null && typeof value.text === 'string') {
      return { text: value.text, files: Array.isArray(value.files) ? value.files : [] };
    }
  } catch {
    // Not ours: show it as text.
  }
  return { text: plaintext, files: [] };
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
