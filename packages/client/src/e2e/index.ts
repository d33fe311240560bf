// Encrypted rooms (docs/encryption.md), shared by the web app and the phone app: a separate entry
// point so that code which never opens an encrypted room does not carry the crypto.

export type { E2EApi, E2EDeps, ListenRealtime } from './deps.ts';
export {
  blobUrlOf,
  CIPHERTEXT_NAME,
  CIPHERTEXT_TYPE,
  DecryptedFiles,
  type DecryptedFilesOptions,
  dataUrlOf,
  decryptFileAt,
  type EncryptedUploadOptions,
  encryptedUpload,
  openFile,
  type PlainFile,
  sealedAttachments,
  sealedFileOf,
  shownAttachments,
} from './files.ts';
export { deviceIdentity } from './identity.ts';
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
export { type EncryptedRoomOptions, EncryptedRoomSession } from './session.ts';
export type { EncryptedRoomState, KeyChange } from './state.ts';
