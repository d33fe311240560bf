// Encrypted rooms (docs/encryption.md), shared by the web app and the phone app: a separate entry
// point so that code which never opens an encrypted room does not carry the crypto.
export { indexedDbStore } from './indexedDbStore.ts';
export { inviteLink, keyFromFragment } from './invite.ts';
export { KeyStore, type KeyValueStore, memoryStore, type RoomKeys } from './keyStore.ts';
export { roomCrypto } from './room-crypto.ts';
export {
  checkSealedFile,
  cleanFileName,
  decodePayload,
  encodePayload,
  FILE_NAME_MAX,
  filesNotice,
  isFinal,
  isValidFileName,
  NOTICE,
  OPAQUE_FILE_TYPE,
  type OpenContext,
  type Opened,
  openOne,
  type Payload,
  payloadText,
  type SealedFile,
  safeFileType,
  sealText,
} from './sealing.ts';
export {
  deviceIdentity,
  type E2EApi,
  type E2EDeps,
  type EncryptedRoomOptions,
  EncryptedRoomSession,
  type EncryptedRoomState,
  type KeyChange,
  type ListenRealtime,
} from './session.ts';
