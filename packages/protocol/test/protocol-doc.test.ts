import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClientFrame, CloseCode, ServerFrame, WsErrorCode } from '../src/index.ts';

/**
 * The generator lives in scripts/, outside this package's TypeScript project, so it is loaded
 * through a URL TypeScript does not follow; this is the part of it the test uses.
 */
type Generator = {
  renderProtocolDoc(): string;
  PROTOCOL_DOC_PATH: string;
  clientExamples: Record<string, unknown>;
  serverExamples: Record<string, unknown>;
};
const generatorUrl = new URL('../../../scripts/write-protocol-doc.ts', import.meta.url).href;
const generator = (await import(generatorUrl)) as Generator;

const rendered = generator.renderProtocolDoc();
const typeOf = (schema: { shape: { type: { value: string } } }) => schema.shape.type.value;

describe('docs/protocol.md', () => {
  it('is what the schemas generate (run `npm run docs:protocol` after changing them)', () => {
    const onDisk = readFileSync(generator.PROTOCOL_DOC_PATH, 'utf8');
    expect(onDisk, 'docs/protocol.md is out of date: run `npm run docs:protocol`').toBe(rendered);
  });

  it.each(ClientFrame.options.map(typeOf))('documents the client frame %s', (type) => {
    expect(rendered).toContain(`### Client \`${type}\``);
  });

  it.each(ServerFrame.options.map(typeOf))('documents the server frame %s', (type) => {
    expect(rendered).toContain(`### Server \`${type}\``);
  });

  it('lists every close code and error code', () => {
    for (const [name, code] of Object.entries(CloseCode)) expect(rendered).toContain(`| \`${code}\` | \`${name}\``);
    for (const code of WsErrorCode.options) expect(rendered).toContain(`| \`${code}\``);
  });
});

describe('protocol doc examples', () => {
  it.each(ClientFrame.options.map((schema) => [typeOf(schema), schema] as const))(
    'the client example %s parses unchanged',
    (type, schema) => {
      const example = generator.clientExamples[type];
      expect(example).toBeDefined();
      expect(schema.parse(example)).toEqual(example);
      expect(ClientFrame.parse(example)).toEqual(example);
    },
  );

  it.each(ServerFrame.options.map((schema) => [typeOf(schema), schema] as const))(
    'the server example %s parses unchanged',
    (type, schema) => {
      const example = generator.serverExamples[type];
      expect(example).toBeDefined();
      expect(schema.parse(example)).toEqual(example);
      expect(ServerFrame.parse(example)).toEqual(example);
    },
  );

  it('refuses to render with a frame type that has no example, or an invalid one', () => {
    const { ping } = generator.clientExamples;
    try {
      delete generator.clientExamples.ping;
      expect(() => generator.renderProtocolDoc()).toThrow(/"ping" has no example/);
      generator.clientExamples.ping = { type: 'ping', ref: 'x'.repeat(65) };
      expect(() => generator.renderProtocolDoc()).toThrow(/example client frame "ping" fails/);
      generator.clientExamples.ping = { type: 'ping', ref: 'p-1', extra: true };
      expect(() => generator.renderProtocolDoc()).toThrow(/changes when/);
    } finally {
      generator.clientExamples.ping = ping;
    }
    expect(generator.renderProtocolDoc()).toBe(rendered);
  });
});
