import { fromBase64Url, toBase64Url } from '@tandem/crypto';
import type { RoomKeys } from './keyStore.ts';

/**
 * An encrypted room's invite link, `<origin>/join/<roomId>#k=<room key>[&e=<epoch>]`
 * (docs/encryption.md, "Invite links"): the key rides in the fragment, which browsers never send
 * to the server.
 */
export function inviteLink(origin: string, roomId: string, roomKeys: RoomKeys): string | undefined {
  if (roomKeys.size === 0) return undefined;
  const epoch = Math.max(...roomKeys.keys());
  const key = roomKeys.get(epoch) as Uint8Array;
  return `${origin}/join/${encodeURIComponent(roomId)}#k=${toBase64Url(key)}${epoch === 1 ? '' : `&e=${epoch}`}`;
}

/** The key in an invite link's fragment (`#k=…[&e=…]`), or undefined when it is missing or malformed. */
export function keyFromFragment(hash: string): { key: Uint8Array; epoch: number } | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const k = params.get('k');
  const epoch = Number(params.get('e') ?? '1');
  if (!k || !Number.isInteger(epoch) || epoch < 1) return undefined;
  try {
    const key = fromBase64Url(k);
    return key.length === 32 ? { key, epoch } : undefined;
  } catch {
    return undefined;
  }
}
