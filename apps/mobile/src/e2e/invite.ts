import { keyFromFragment } from '@tandem/client/e2e';

/**
 * An invite link the phone was opened with: the room and, when the link carries a usable one,
 * its key (undefined when the fragment is missing, cut short or malformed).
 */
export type InviteLink = { roomId: string; secret: { key: Uint8Array; epoch: number } | undefined };

/**
 * Reads an encrypted room's invite link, in any of the forms that reach the phone:
 * - `tandem://join/<roomId>#k=<key>[&e=<epoch>]` (the app's own scheme, app.json `scheme`);
 * - `https://<host>/join/<roomId>#k=…`, as the web app makes them and the web build is opened at;
 * - `exp://<host>:<port>/--/join/<roomId>#k=…`, the same path through Expo Go in development.
 * Any other address (the app merely started, another path) is not an invite: undefined. The
 * fragment is read by the shared `keyFromFragment`, as the web app reads it.
 */
export function parseInviteLink(url: string): InviteLink | undefined {
  const hashAt = url.indexOf('#');
  const address = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const path = pathOf(address.split('?')[0] ?? '');
  const match = path === undefined ? null : /^\/(?:--\/)?join\/([^/]+)\/?$/.exec(path);
  if (!match?.[1]) return undefined;
  let roomId: string;
  try {
    roomId = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  if (roomId.trim() === '') return undefined;
  return { roomId, secret: keyFromFragment(fragment) };
}

/**
 * The path of an address, as `/join/…`. With the app's own scheme the "host" is the first
 * segment (`tandem://join/<id>`), and `tandem:join/<id>` or `tandem:///join/<id>` mean the same.
 */
function pathOf(address: string): string | undefined {
  const own = /^tandem:(?:\/\/)?\/?(.*)$/i.exec(address);
  if (own) return `/${own[1] ?? ''}`;
  const web = /^(?:https?|exps?):\/\/[^/]+(\/.*)?$/i.exec(address);
  if (web) return web[1] ?? '/';
  return undefined;
}

/**
 * Where the invite links this phone shares point: the Tandem server's own origin, which serves
 * the web app (so anyone can open the link in a browser, and a phone with Tandem installed
 * reads the same `/join/<roomId>#k=…` path).
 */
export function webOrigin(serverUrl: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+/i.exec(serverUrl)?.[0] ?? serverUrl;
}
