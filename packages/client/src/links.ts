/** A run of a message's text: plain, or a web link with the address to open. */
export type TextPart = { text: string; href?: string };

/** Characters that end an address: whitespace, and what never appears unescaped in one. */
const isBreak = (c: string) => c <= ' ' || c === '<' || c === '>' || c === '"' || c === '`';
/** Punctuation that ends a sentence after a link rather than belonging to it. */
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', "'", '*', '_']);
const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Where a link starts at `i`, if one does: `https://`, `http://` or `www.` after a non-word character. */
function linkStart(text: string, i: number): 'scheme' | 'www' | null {
  const before = i === 0 ? '' : text.charAt(i - 1);
  if (before && /[\p{L}\p{N}_@./-]/u.test(before)) return null;
  const head = text.slice(i, i + 8).toLowerCase();
  if (head.startsWith('https://') || head.startsWith('http://')) return 'scheme';
  if (head.startsWith('www.')) return 'www';
  return null;
}

/** Trims what follows a link in prose: a full stop, a closing bracket it did not open. */
function trimEnd(url: string): string {
  let end = url.length;
  for (;;) {
    const last = url.charAt(end - 1);
    if (TRAILING.has(last)) end -= 1;
    else if (CLOSING[last]) {
      const open = CLOSING[last];
      let opens = 0;
      let closes = 0;
      for (let k = 0; k < end; k++) {
        const c = url.charAt(k);
        if (c === open) opens += 1;
        else if (c === last) closes += 1;
      }
      if (closes > opens) end -= 1;
      else break;
    } else break;
  }
  return url.slice(0, end);
}

/**
 * Splits a message's text into plain runs and web links, in one pass (no regular expression runs
 * over the whole text, so no input can make it slow). Only `http:`/`https:` addresses and
 * `www.` names become links (`www.` opens as https), so `javascript:` and other schemes stay text.
 */
export function findLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plainFrom = 0;
  let i = 0;
  while (i < text.length) {
    const kind = linkStart(text, i);
    if (!kind) {
      i += 1;
      continue;
    }
    let end = i;
    while (end < text.length && !isBreak(text.charAt(end))) end += 1;
    const url = trimEnd(text.slice(i, end));
    const bare = kind === 'scheme' ? url.replace(/^https?:\/\//i, '') : url.slice(4);
    // Just a scheme or "www." with nothing (or only dots) after it is not a link.
    if (!/[\p{L}\p{N}]/u.test(bare.slice(0, 256))) {
      i = end;
      continue;
    }
    if (i > plainFrom) parts.push({ text: text.slice(plainFrom, i) });
    parts.push({ text: url, href: kind === 'www' ? `https://${url}` : url });
    i += url.length;
    plainFrom = i;
  }
  if (plainFrom < text.length) parts.push({ text: text.slice(plainFrom) });
  return parts;
}
