/**
 * Cursor colours: strong enough for white label text on them (WCAG AA for the 12px labels),
 * and far enough apart to tell two people apart.
 */
const PALETTE = ['#c2410c', '#0369a1', '#7e22ce', '#047857', '#be123c', '#4338ca', '#a16207', '#0f766e'];

export type UserColor = { color: string; colorLight: string };

const withLight = (color: string): UserColor => ({ color, colorLight: `${color}33` });

/**
 * A person's colour: by default always the same one for the same person (a hash of the id),
 * else the first one after it that nobody in `taken` has. Each client picks its own colour and
 * shares it in its awareness state, so everyone sees the same colour for the same person.
 */
export function colorFor(seed: string, taken: ReadonlySet<string> = new Set()): UserColor {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  for (let step = 0; step < PALETTE.length; step++) {
    const color = PALETTE[(hash + step) % PALETTE.length] ?? '#0369a1';
    if (!taken.has(color)) return withLight(color);
  }
  // More people than colours: share.
  return withLight(PALETTE[hash % PALETTE.length] ?? '#0369a1');
}

/**
 * Whether this client should pick another colour: someone else already shows in it. The Yjs
 * client ids break the tie (the higher one moves), so only one of two clashing clients moves.
 */
export function clashes(
  mine: { clientId: number; userId: string; color: string },
  others: Iterable<{ clientId: number; userId: string; color: string }>,
): boolean {
  for (const other of others) {
    if (other.userId !== mine.userId && other.color === mine.color && other.clientId < mine.clientId) return true;
  }
  return false;
}
