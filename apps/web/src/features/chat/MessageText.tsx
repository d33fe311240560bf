import { findLinks } from '@tandem/client';
import { memo } from 'react';

/**
 * A message's text with its web links clickable: each opens in a new tab without handing this
 * page to it (`noopener noreferrer`). Only http(s) addresses become links (`findLinks`), so a
 * `javascript:` "link" stays text; React escapes everything else.
 */
export const MessageText = memo(function MessageText({ text }: { text: string }) {
  return findLinks(text).map((part, index) =>
    part.href ? (
      <a
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text, in order; never reordered.
        key={index}
        href={part.href}
        target="_blank"
        rel="noopener noreferrer"
        className="underline decoration-1 underline-offset-2 outline-none hover:decoration-2 focus-visible:rounded-sm focus-visible:ring-2 focus-visible:ring-current"
      >
        {part.text}
      </a>
    ) : (
      part.text
    ),
  );
});
