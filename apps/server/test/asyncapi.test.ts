import { readFileSync } from 'node:fs';
import { ClientFrame, ServerFrame } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { App } from '../src/app.ts';
import { backends, startApp, testConfig } from './helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

// scripts/test/generated-docs.test.ts checks that this file is current and that the AsyncAPI
// parser accepts it; here, that the server serves it.
const committed = readFileSync(new URL('../../../docs/asyncapi.yaml', import.meta.url), 'utf8');
const typeOf = (schema: { shape: { type: { value: string } } }) => schema.shape.type.value;

describe('GET /docs/asyncapi', () => {
  let app: App;
  let base: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database()));
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('serves the AsyncAPI document as YAML: the text of docs/asyncapi.yaml', async () => {
    const res = await fetch(`${base}/docs/asyncapi`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(await res.text()).toBe(committed);
  });

  it('describes /ws and /ws/code, every frame as a message with an example', async () => {
    const doc = parse(await (await fetch(`${base}/docs/asyncapi`)).text());
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.values(doc.channels).map((c) => (c as { address: string }).address)).toEqual(['/ws', '/ws/code']);
    const messages = doc.components.messages as Record<string, { examples?: Array<{ payload: { type: string } }> }>;
    for (const [side, union] of [
      ['client', ClientFrame],
      ['server', ServerFrame],
    ] as const) {
      for (const schema of union.options) {
        const message = messages[`${side}.${typeOf(schema)}`];
        expect(message?.examples?.[0]?.payload.type, `${side}.${typeOf(schema)}`).toBe(typeOf(schema));
      }
    }
    const actions = Object.values(doc.operations).map((o) => (o as { action: string }).action);
    expect(new Set(actions)).toEqual(new Set(['send', 'receive']));
  });
});
