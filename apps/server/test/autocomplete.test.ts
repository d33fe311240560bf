import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { suggestByRules } from '../src/services/autocomplete/rules.ts';
import { backends, startApp, testConfig } from './helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

/** `|` marks the cursor. */
const at = (source: string) => ({ code: source.replace('|', ''), cursor: source.indexOf('|') });

describe('rule-based autocomplete', () => {
  it.each([
    // Standard-library members after a dot, and the rest of a member being typed.
    ['python', 'import os\nos.path.|', 'join()'],
    ['python', 'import json\ndata = json.|', 'dumps()'],
    ['python', 'import json\njson.lo|', 'ads()'],
    ['javascript', 'console.|', 'log()'],
    ['javascript', 'console.e|', 'rror()'],
    ['javascript', 'const s = JSON.|', 'stringify()'],
    ['typescript', 'const keys = Object.|', 'keys()'],
    // Block templates, after closing what is open.
    ['python', 'def greet(name|', '):\n    pass'],
    ['python', 'def greet(name):\n    for item in items|', ':\n        pass'],
    ['python', 'if ready and x|', ':\n    pass'],
    ['python', 'class Greeter|', ':\n    pass'],
    ['javascript', 'function add(a, b|', ') {\n  \n}'],
    ['javascript', 'for (let i = 0; i < n; i++|', ') {\n  \n}'],
    ['javascript', 'if (x > 1|', ') {\n  \n}'],
    ['typescript', 'class Greeter|', ' {\n  constructor() {}\n}'],
    ['typescript', 'interface Props|', ' {\n  \n}'],
    ['typescript', '  if (ok|', ') {\n    \n  }'],
    // Brackets and quotes alone.
    ['python', 'print("hello|', '")'],
    ['javascript', "const xs = [1, 2, 'three|", "']"],
    ['javascript', 'call(fn(a, [1|', ']))'],
    // The current word, from identifiers in the document (most used first).
    ['python', 'total_price = 1\ntotal_count = 2\nprint(total_count)\nx = tot|', 'al_count'],
    ['javascript', 'const userName = 1;\nconsole.log(userN|', 'ame'],
    ['typescript', 'const x: read|', 'only'],
    // Nothing to add.
    ['python', 'def greet(name):|', ''],
    ['javascript', 'const x = 1;|', ''],
    ['javascript', 'foo(|bar)', ''],
    ['python', '|', ''],
  ] as const)('%s: %j → %j', (language, source, expected) => {
    const { code, cursor } = at(source);
    expect(suggestByRules(code, cursor, language)).toBe(expected);
  });
});

describe('POST /autocomplete', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database()));
  });
  afterAll(() => app.close());

  const ask = (payload: unknown) => app.inject({ method: 'POST', url: '/autocomplete', payload: payload as object });

  it('answers without a session, with the rules provider', async () => {
    const res = await ask({ code: 'def greet(name', cursorPosition: 14, language: 'python' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ suggestion: '):\n    pass', provider: 'rules', fallback: false });
  });

  it.each([
    [{ code: 'abc', cursorPosition: 4, language: 'python' }, 'body.cursorPosition'],
    [{ code: 'abc', cursorPosition: -1, language: 'python' }, 'body.cursorPosition'],
    [{ code: 'x'.repeat(100 * 1024 + 1), cursorPosition: 0, language: 'python' }, 'body.code'],
    [{ code: 'abc', cursorPosition: 1, language: 'cobol' }, 'body.language'],
    [{ cursorPosition: 1, language: 'python' }, 'body.code'],
  ])('refuses bad input with 400 naming the field (%#)', async (payload, field) => {
    const res = await ask(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues[0].path).toBe(field);
  });

  it('accepts code of exactly 100 KB', async () => {
    const code = 'x'.repeat(100 * 1024);
    expect((await ask({ code, cursorPosition: code.length, language: 'javascript' })).statusCode).toBe(200);
  });
});

// The OpenAI-compatible endpoint is a service outside Tandem: a small fake of it, on a real
// socket, stands in so the provider, its timeout and its fallback can be tested offline.
describe('OpenAI-compatible provider', () => {
  let behaviour: 'ok' | 'slow' | 'error' = 'ok';
  let received: { model?: string; messages?: Array<{ content: string }> } | undefined;
  const fake = http.createServer((request, response) => {
    let body = '';
    request.on('data', (d) => {
      body += String(d);
    });
    request.on('end', () => {
      received = JSON.parse(body);
      if (behaviour === 'error') return response.writeHead(500).end('{}');
      const answer = () =>
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ choices: [{ message: { content: '```python\n):\n    return f"Hi {name}"\n```' } }] }));
      if (behaviour === 'slow') setTimeout(answer, 1000);
      else answer();
    });
  });
  let app: App;
  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const { port } = fake.address() as AddressInfo;
    app = await startApp(
      testConfig(await sqlite.database(), {
        AUTOCOMPLETE_PROVIDER: 'openai',
        AUTOCOMPLETE_OPENAI_URL: `http://127.0.0.1:${port}/v1`,
        AUTOCOMPLETE_OPENAI_KEY: 'test-key',
        AUTOCOMPLETE_OPENAI_MODEL: 'tiny-coder',
        AUTOCOMPLETE_TIMEOUT: '300ms',
      }),
    );
  });
  afterAll(async () => {
    await app.close();
    fake.close();
  });

  const ask = () =>
    app.inject({
      method: 'POST',
      url: '/autocomplete',
      payload: { code: 'def greet(name', cursorPosition: 14, language: 'python' },
    });

  it('asks the endpoint, with the code around the cursor, and strips code fences', async () => {
    behaviour = 'ok';
    expect((await ask()).json()).toEqual({
      suggestion: '):\n    return f"Hi {name}"',
      provider: 'openai',
      fallback: false,
    });
    expect(received?.model).toBe('tiny-coder');
    expect(received?.messages?.[1]?.content).toContain('def greet(name<CURSOR>');
  });

  it('falls back to the rules when the endpoint fails or is slower than the timeout', async () => {
    for (const b of ['error', 'slow'] as const) {
      behaviour = b;
      expect((await ask()).json(), b).toEqual({ suggestion: '):\n    pass', provider: 'rules', fallback: true });
    }
  });

  it('refuses to start as openai without a key', async () => {
    const { loadConfig } = await import('../src/config.ts');
    expect(() => loadConfig({ AUTOCOMPLETE_PROVIDER: 'openai' })).toThrow('AUTOCOMPLETE_OPENAI_KEY must be set');
  });
});
