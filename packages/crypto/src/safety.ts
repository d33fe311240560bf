import { sha512 } from '@noble/hashes/sha2.js';
import { encodeFields, fromBase64Url } from './bytes.ts';
import type { DeviceKeys } from './identity.ts';

/**
 * A 60-digit code two people read to each other (in 12 groups of 5) to check that no one sits
 * between them: derived from both signing keys, so it is the same on both sides and changes
 * when either key changes.
 */
export function safetyCode(a: DeviceKeys, b: DeviceKeys): string {
  const keys = [a, b]
    .map((k) => ({ user: k.userId, key: fromBase64Url(k.signingKey) }))
    .sort((x, y) => (x.user < y.user ? -1 : x.user > y.user ? 1 : 0));
  let digest = encodeFields(['tandem-safety-v1', ...keys.flatMap((k) => [k.user, k.key])]);
  for (let i = 0; i < 1024; i++) digest = sha512(digest);
  const groups: string[] = [];
  for (let i = 0; i < 12; i++) {
    const chunk = digest.slice(i * 5, i * 5 + 5);
    const value = chunk.reduce((n, byte) => n * 256 + byte, 0) % 100_000;
    groups.push(String(value).padStart(5, '0'));
  }
  return groups.join(' ');
}
