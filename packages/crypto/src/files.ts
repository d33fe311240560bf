import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { utf8 } from './bytes.ts';
import { randomBytes } from './random.ts';

/**
 * Files in encrypted rooms are encrypted before upload with a key of their own; the link carries
 * no key, the (encrypted) message that attaches the file does.
 */
export function encryptFile(bytes: Uint8Array): { key: Uint8Array; nonce: Uint8Array; ciphertext: Uint8Array } {
  const key = randomBytes(32);
  const nonce = randomBytes(24);
  return { key, nonce, ciphertext: xchacha20poly1305(key, nonce, utf8('tandem-file-v1')).encrypt(bytes) };
}

export function decryptFile(ciphertext: Uint8Array, key: Uint8Array, nonce: Uint8Array): Uint8Array {
  return xchacha20poly1305(key, nonce, utf8('tandem-file-v1')).decrypt(ciphertext);
}
