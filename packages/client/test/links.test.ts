import { describe, expect, it } from 'vitest';
import { findLinks } from '../src/links.ts';

describe('findLinks', () => {
  it('leaves text without links as one plain run', () => {
    expect(findLinks('Anyone on for lunch today?')).toEqual([{ text: 'Anyone on for lunch today?' }]);
    expect(findLinks('')).toEqual([]);
  });

  it('finds http, https and www. links among words, without the sentence punctuation after them', () => {
    expect(findLinks('See https://example.com/a?b=1#c. Or www.tandem.dev, or http://x.io!')).toEqual([
      { text: 'See ' },
      { text: 'https://example.com/a?b=1#c', href: 'https://example.com/a?b=1#c' },
      { text: '. Or ' },
      { text: 'www.tandem.dev', href: 'https://www.tandem.dev' },
      { text: ', or ' },
      { text: 'http://x.io', href: 'http://x.io' },
      { text: '!' },
    ]);
  });

  it('keeps brackets a link opened, drops one it did not', () => {
    expect(findLinks('(see https://en.wikipedia.org/wiki/Tandem_(bicycle))')).toEqual([
      { text: '(see ' },
      {
        text: 'https://en.wikipedia.org/wiki/Tandem_(bicycle)',
        href: 'https://en.wikipedia.org/wiki/Tandem_(bicycle)',
      },
      { text: ')' },
    ]);
  });

  it('never links other schemes, a bare scheme, or an address glued to a word', () => {
    for (const text of [
      'javascript:alert(1)',
      'JAVASCRIPT://%0aalert(1)',
      'data:text/html,<script>alert(1)</script>',
      'https://',
      'www.',
      'xhttps://example.com',
      'mail me at bob@www.example.com',
    ]) {
      expect(
        findLinks(text).every((part) => part.href === undefined),
        text,
      ).toBe(true);
    }
    expect(findLinks('HTTPS://Example.com')).toEqual([{ text: 'HTTPS://Example.com', href: 'HTTPS://Example.com' }]);
  });

  it('cuts a link at a quote or angle bracket, so markup-like text stays text', () => {
    expect(findLinks('<https://a.io>"x')).toEqual([
      { text: '<' },
      { text: 'https://a.io', href: 'https://a.io' },
      { text: '>"x' },
    ]);
  });

  it('scans a long message in one pass', () => {
    const text = `${'https://a.io/'.repeat(300)} ${'www.'.repeat(1000)}`;
    const parts = findLinks(text);
    expect(parts.map((p) => p.text).join('')).toBe(text);
  });
});
