import type { Language } from '@tandem/protocol';
import { windowAround } from './context-window.ts';

/**
 * The default autocomplete: deterministic rules, no network. In order of preference:
 * 1. a member after `object.` from a list of common standard-library members;
 * 2. the rest of the word being typed, from identifiers already in the document;
 * 3. at the end of a line: closing the brackets and quotes left open, followed by a block
 *    template when the line opens a block (`def`, `for`, `if`, `function`, `class`, …).
 * The suggestion is the text to insert at the cursor, or '' when no rule applies.
 *
 * Cost: the rules see at most `RULES_WINDOW` around the cursor, and look at it with backward
 * scans and regular expressions that are linear (anchored at the start, or without a repeated
 * part before a `$`). A regular expression ending in `$` but not anchored at the start is tried
 * at every position and is quadratic on a long line: 100 KB of `a` took seconds.
 */

const MEMBERS: Record<Language, Record<string, string[]>> = {
  python: {
    os: ['path', 'getcwd()', 'listdir()', 'environ', 'makedirs()'],
    'os.path': ['join()', 'exists()', 'basename()', 'dirname()', 'splitext()', 'isfile()', 'isdir()'],
    json: ['dumps()', 'loads()', 'dump()', 'load()'],
    sys: ['argv', 'exit()', 'path', 'stdout', 'stderr'],
    math: ['sqrt()', 'floor()', 'ceil()', 'pi', 'pow()'],
    re: ['match()', 'search()', 'sub()', 'findall()', 'compile()'],
    time: ['time()', 'sleep()', 'perf_counter()'],
    random: ['randint()', 'choice()', 'random()', 'shuffle()'],
  },
  javascript: {
    console: ['log()', 'error()', 'warn()', 'info()', 'table()'],
    JSON: ['stringify()', 'parse()'],
    Math: ['max()', 'min()', 'floor()', 'round()', 'random()', 'abs()'],
    Object: ['keys()', 'entries()', 'values()', 'assign()', 'freeze()'],
    Array: ['isArray()', 'from()', 'of()'],
    Promise: ['all()', 'resolve()', 'reject()', 'allSettled()', 'race()'],
    document: ['querySelector()', 'getElementById()', 'createElement()', 'addEventListener()'],
    Number: ['isInteger()', 'parseFloat()', 'parseInt()', 'isNaN()'],
  },
  typescript: {},
};
MEMBERS.typescript = MEMBERS.javascript;

const PYTHON_KEYWORDS =
  'def return import from class while for if elif else print lambda yield async await True False None';
const JAVASCRIPT_KEYWORDS =
  'function return const let class while for if else async await import export console document undefined true false null';
const KEYWORDS: Record<Language, string[]> = {
  python: PYTHON_KEYWORDS.split(' '),
  javascript: JAVASCRIPT_KEYWORDS.split(' '),
  typescript: [...JAVASCRIPT_KEYWORDS.split(' '), 'interface', 'type', 'readonly', 'enum', 'implements'],
};

const PYTHON_BLOCK =
  /^\s*(def|class|for|while|if|elif|else|try|except|finally|with|async def|async for|async with)\b.*$/;
const BRACE_BLOCK =
  /^\s*(export\s+)?(default\s+)?(async\s+)?(function\b|class\b|interface\b|if\b|else\b|for\b|while\b|switch\b|try\b|catch\b|finally\b)/;

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set([')', ']', '}']);
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;

/** Closers for what the text leaves open: brackets in reverse order, and an open string. */
export function closersFor(text: string, language: Language): string {
  const stack: string[] = [];
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '#' && language === 'python') break;
    if (ch === '/' && text[i + 1] === '/' && language !== 'python') break;
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (OPENERS[ch]) stack.push(OPENERS[ch] ?? '');
    else if (CLOSERS.has(ch) && stack.at(-1) === ch) stack.pop();
  }
  return (quote ?? '') + stack.reverse().join('');
}

function blockTemplate(line: string, language: Language, indent: string): string {
  if (language === 'python') {
    if (!PYTHON_BLOCK.test(line) || line.trimEnd().endsWith(':')) return '';
    return `:\n${indent}    pass`;
  }
  if (!BRACE_BLOCK.test(line) || /[{;]\s*$/.test(line)) return '';
  if (/^\s*(export\s+)?(default\s+)?class\b/.test(line)) return ` {\n${indent}  constructor() {}\n${indent}}`;
  return ` {\n${indent}  \n${indent}}`;
}

/**
 * What the rules may see of a document: this many UTF-16 code units before the cursor and after
 * it. The service cuts every request to it before the rules run (see `windowAround`), so no rule,
 * present or future, can cost more than a fixed amount however large the document is.
 */
export const RULES_WINDOW = { before: 2000, after: 500 } as const;

/** `[A-Za-z_$]` */
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
/** `[\w$]` */
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);

/** Where the run of `[\w$]` characters that ends at `end` (exclusive) begins. */
function runStart(text: string, end: number): number {
  let i = end;
  while (i > 0 && isIdentPart(text.charCodeAt(i - 1))) i--;
  return i;
}

/** The first identifier-start character in `[from, to)`, or -1: where an identifier in the run may begin. */
function firstIdentStart(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (isIdentStart(text.charCodeAt(i))) return i;
  return -1;
}

/**
 * The identifier being typed just before `end`: what `/[A-Za-z_$][\w$]*$/` matches, found by one
 * backward scan (the regular expression, tried at every start, is quadratic on a long run).
 */
export function identifierBefore(text: string, end = text.length): string {
  const start = firstIdentStart(text, runStart(text, end), end);
  return start === -1 ? '' : text.slice(start, end);
}

/**
 * `object.partial` at the end of the line, as `/(ident(?:\.ident)*)\.(ident)?$/` would match it,
 * found by scanning backwards once: the partial member after the last dot, then the dotted chain
 * of identifiers before it (as long as it is valid, like the regular expression's leftmost match).
 */
export function memberAccessBefore(line: string): { object: string; partial: string } | null {
  const partialStart = runStart(line, line.length);
  if (partialStart < line.length && !isIdentStart(line.charCodeAt(partialStart))) return null;
  const dot = partialStart - 1;
  if (dot < 0 || line[dot] !== '.') return null;
  let chainStart = -1;
  let segmentEnd = dot;
  for (;;) {
    const run = runStart(line, segmentEnd);
    const start = firstIdentStart(line, run, segmentEnd);
    if (start === -1) break;
    chainStart = start;
    // A whole segment preceded by a dot: the chain may go on further back.
    if (start !== run || run === 0 || line[run - 1] !== '.') break;
    segmentEnd = run - 1;
  }
  if (chainStart === -1) return null;
  return { object: line.slice(chainStart, dot), partial: line.slice(partialStart) };
}

function memberCompletion(lineBefore: string, language: Language): string | null {
  const access = memberAccessBefore(lineBefore);
  if (!access) return null;
  const members = MEMBERS[language][access.object];
  if (!members) return null;
  const member = members.find((m) => m.startsWith(access.partial) && m !== access.partial);
  return member ? member.slice(access.partial.length) : null;
}

function wordCompletion(code: string, cursor: number, language: Language): string | null {
  const prefix = identifierBefore(code, cursor);
  if (prefix.length < 2 || /[\w$]/.test(code[cursor] ?? '')) return null;
  const counts = new Map<string, number>();
  const elsewhere = code.slice(0, cursor - prefix.length) + code.slice(cursor);
  for (const word of elsewhere.match(IDENTIFIER) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  for (const keyword of KEYWORDS[language]) if (!counts.has(keyword)) counts.set(keyword, 0);
  const candidates = [...counts.entries()]
    .filter(([word]) => word.startsWith(prefix) && word.length > prefix.length)
    .sort(([a, na], [b, nb]) => nb - na || a.length - b.length || a.localeCompare(b));
  const best = candidates[0]?.[0];
  return best ? best.slice(prefix.length) : null;
}

export function suggestByRules(fullCode: string, fullCursor: number, language: Language): string {
  // The service windows the request already; a caller that did not is windowed here.
  const { code, cursorPosition: cursor } = windowAround(
    { code: fullCode, cursorPosition: fullCursor, language },
    RULES_WINDOW,
  );
  const before = code.slice(0, cursor);
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineBefore = before.slice(lineStart);
  const lineAfter = code.slice(cursor, code.indexOf('\n', cursor) === -1 ? code.length : code.indexOf('\n', cursor));
  const indent = /^\s*/.exec(lineBefore)?.[0] ?? '';

  const member = memberCompletion(lineBefore, language);
  if (member !== null) return member;
  const word = wordCompletion(code, cursor, language);
  if (word !== null) return word;
  if (lineAfter.trim() !== '') return '';
  const closers = closersFor(lineBefore, language);
  return closers + blockTemplate(lineBefore + closers, language, indent);
}
