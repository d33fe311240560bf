import type { DeviceIdentity } from '@tandem/crypto';
import type { OpenedMessage, RoomCrypto } from '../room/types.ts';
import { NOTICE, type Opened, payloadText, type SealedFile, sealText } from './sealing.ts';
import type { EncryptedRoomSession } from './session.ts';

/** What a sealed message that cannot be opened (yet, or at all) says in its bubble. */
function shown(opened: Opened): OpenedMessage {
  switch (opened.state) {
    case 'open':
      return { state: 'open', text: payloadText(opened.payload), files: opened.payload.files };
    case 'invalid':
      return { state: 'unverified', notice: NOTICE.invalid };
    case 'no-key':
      // Without the key a banner says why, once; each message only says it is sealed.
      return { state: 'waiting', notice: 'Encrypted message' };
    default:
      return { state: 'waiting', notice: NOTICE[opened.state] };
  }
}

/**
 * An encrypted room's `EncryptedRoomSession` as the `RoomCrypto` a `RoomSession` takes: messages
 * opened on this device (again whenever its keys or devices change), and sends sealed with the
 * newest room key. `files` passed to `RoomSession.send` are the `SealedFile`s of files encrypted
 * on this device.
 */
export function roomCrypto(e2e: EncryptedRoomSession, roomId: string): RoomCrypto {
  return {
    open(messages) {
      const result = new Map<string, OpenedMessage>();
      for (const [id, opened] of e2e.open(messages)) result.set(id, shown(opened));
      return result;
    },
    subscribe: (listener) => e2e.subscribe(listener),
    seal({ clientMessageId, text, files = [] }) {
      const { identity, roomKeys, status } = e2e.state;
      if (status !== 'ready' || !identity) throw new Error('This device has no key for the room yet.');
      return sealText({
        roomId,
        roomKeys,
        identity: identity as DeviceIdentity,
        clientMessageId,
        payload: { text, files: files as SealedFile[] },
      });
    },
  };
}
