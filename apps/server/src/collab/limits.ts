import * as Y from 'yjs';

/**
 * Bytes a code socket may send: a token bucket refilled at `perSecond` up to `burst`. A frame
 * that finds the bucket short is refused whole (the caller closes the socket).
 */
export class ByteBudget {
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;

  constructor(perSecond: number, burst: number, now: () => number) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.last = now();
  }

  take(bytes: number): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (bytes > this.tokens) return false;
    this.tokens -= bytes;
    return true;
  }
}

/**
 * A document's size as stored (its Yjs state: the text, the shared settings and what the edit
 * history keeps), without encoding the whole state on every edit: an upper estimate grown by
 * every update applied, measured exactly only when an edit would take the estimate past the cap.
 */
export class DocumentSizes {
  private readonly estimates = new WeakMap<Y.Doc, number>();
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Starts tracking a loaded document. */
  track(doc: Y.Doc): void {
    this.estimates.set(doc, Y.encodeStateAsUpdate(doc).byteLength);
    doc.on('update', (update: Uint8Array) => {
      this.estimates.set(doc, (this.estimates.get(doc) ?? 0) + update.byteLength);
    });
  }

  /** The exact size now (encodes the state). */
  measure(doc: Y.Doc): number {
    const size = Y.encodeStateAsUpdate(doc).byteLength;
    this.estimates.set(doc, size);
    return size;
  }

  /**
   * Whether applying `update` keeps the document within the cap. An update that only deletes is
   * always allowed, so a document at (or, stored before the cap, over) the cap can still shrink.
   */
  allows(doc: Y.Doc, update: Uint8Array): boolean {
    const estimate = this.estimates.get(doc) ?? this.measure(doc);
    if (estimate + update.byteLength <= this.maxBytes) return true;
    if (onlyDeletes(update)) return true;
    return this.measure(doc) + update.byteLength <= this.maxBytes;
  }
}

/** True when the update adds no content, only deletions. */
function onlyDeletes(update: Uint8Array): boolean {
  try {
    const { from, to } = Y.parseUpdateMeta(update);
    for (const [client, clock] of to) if (clock !== (from.get(client) ?? 0)) return false;
    return true;
  } catch {
    return false;
  }
}

/** Cursor colours, as the web app picks them (apps/web/src/features/code/userColors.ts). */
const PALETTE = ['#c2410c', '#0369a1', '#7e22ce', '#047857', '#be123c', '#4338ca', '#a16207', '#0f766e'];

/** The colour a person gets when their client names none we accept: always the same for the same id. */
export function colorForUser(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? '#0369a1';
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/**
 * The `user` field of a code editor's awareness state, as the server says it: id and name from
 * the session, whatever the client claimed. A client may pick its colour (the web app moves off a
 * colour someone else shows in), but only a plain `#rrggbb`: it ends up in other people's styles.
 */
export function awarenessUser(
  claimed: unknown,
  user: { id: string; username: string; name: string | null },
): { id: string; name: string; color: string; colorLight: string } {
  const asked = (claimed as { color?: unknown } | null | undefined)?.color;
  const color = typeof asked === 'string' && HEX_COLOR.test(asked) ? asked : colorForUser(user.id);
  return { id: user.id, name: user.name ?? user.username, color, colorLight: `${color}33` };
}
