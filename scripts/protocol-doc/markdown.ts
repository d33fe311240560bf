// JSON Schema → markdown: field tables and type descriptions for the protocol document.
import { isDeepStrictEqual } from 'node:util';
import { type ClientFrame, type ServerFrame, WsErrorCode } from '../../packages/protocol/src/index.ts';

// ---------------------------------------------------------------- JSON Schema → markdown

export type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  $ref?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  description?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $defs?: Record<string, JsonSchema>;
};

export type FrameSchema = (typeof ClientFrame.options)[number] | (typeof ServerFrame.options)[number];
export type Direction = 'client' | 'server';

export const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
export const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .trim()
    .replace(/ /g, '-');
export const frameHeading = (direction: Direction, type: string) =>
  `${direction === 'client' ? 'Client' : 'Server'} ${code(type)}`;
export const refName = (ref: string) => ref.replace(/^#\/\$defs\//, '');

export function typeText(s: JsonSchema): string {
  if (s.$ref !== undefined) return `[${code(refName(s.$ref))}](#${slug(refName(s.$ref))})`;
  if (s.const !== undefined) return code(JSON.stringify(s.const));
  if (s.enum !== undefined) {
    if (isDeepStrictEqual(s.enum, WsErrorCode.options)) return '[error code](#error-codes)';
    return s.enum.map((v) => code(JSON.stringify(v))).join(' | ');
  }
  const union = s.anyOf ?? s.oneOf;
  if (union !== undefined) return union.map(typeText).join(' | ');
  if (Array.isArray(s.type)) return s.type.map((type) => typeText({ ...s, type })).join(' | ');
  switch (s.type) {
    case 'string':
      return [code('string'), ...stringConstraints(s)].join(', ');
    case 'integer':
    case 'number':
      return [code(s.type), ...numberConstraints(s)].join(', ');
    case 'boolean':
    case 'null':
    case 'object':
      return code(s.type);
    case 'array':
      return `array of ${s.items === undefined ? 'anything' : typeText(s.items)}`;
    case undefined:
      return 'any JSON value';
    default:
      throw new Error(`JSON Schema type ${s.type} has no rendering: teach typeText about it`);
  }
}

export function stringConstraints(s: JsonSchema): string[] {
  const out: string[] = [];
  if (s.minLength !== undefined && s.maxLength !== undefined) out.push(`${s.minLength}–${s.maxLength} chars`);
  else if (s.maxLength !== undefined) out.push(`≤ ${s.maxLength} chars`);
  else if (s.minLength !== undefined) out.push(`≥ ${s.minLength} chars`);
  if (s.format === 'date-time') out.push('ISO 8601 date-time (UTC)');
  else if (s.format !== undefined) out.push(s.format);
  else if (s.pattern !== undefined) out.push(`matching ${code(s.pattern)}`);
  return out;
}

export function numberConstraints(s: JsonSchema): string[] {
  const out: string[] = [];
  // zod writes the safe-integer range on every int(); only real bounds are worth a word.
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  else if (s.minimum !== undefined && s.minimum !== Number.MIN_SAFE_INTEGER) out.push(`≥ ${s.minimum}`);
  if (s.exclusiveMaximum !== undefined) out.push(`< ${s.exclusiveMaximum}`);
  else if (s.maximum !== undefined && s.maximum !== Number.MAX_SAFE_INTEGER) out.push(`≤ ${s.maximum}`);
  return out;
}

/** Field rows; inline objects (and arrays of them) are flattened as `a.b` and `a[].b`. */
export function fieldRows(s: JsonSchema, prefix = ''): string[][] {
  const rows: string[][] = [];
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    const field = `${prefix}${name}`;
    const required = s.required?.includes(name) ? 'yes' : 'no';
    rows.push([code(field), typeText(property), required, property.description ?? '']);
    if (property.properties !== undefined) rows.push(...fieldRows(property, `${field}.`));
    if (property.items?.properties !== undefined) rows.push(...fieldRows(property.items, `${field}[].`));
  }
  return rows;
}

/** A GitHub-flavoured table, padded so that the source reads as a table too. */
export function table(header: string[], rows: string[][]): string {
  const cell = (text: string) => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const all = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${widths.map((w, i) => (row[i] ?? '').padEnd(w)).join(' | ')} |`;
  const [head = [], ...body] = all;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

export const json = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
