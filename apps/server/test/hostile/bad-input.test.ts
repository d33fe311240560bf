import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { createLogLimiter } from '../../src/log-limiter.ts';
import { backends, testConfig, uniqueName } from '../helpers.ts';
import { connect, connectAs, listen } from '../ws-helpers.ts';

/**
 * Issue 15 #13: bad input from anyone, signed in or not, wrote error-level log lines with stack
 * traces — and answered 500. Before the fix, on PostgreSQL: a NUL in a message body or a sign-in
 * name ("invalid byte sequence for encoding UTF8: 0x00"), a seq past 2^31 in a history query
 * ("out of range for type integer") or an envelope's epoch; on both databases: a malformed
 * multipart body ("Unexpected end of multipart data", "Boundary not found"). A URL that does not
 * decode answered in Fastify's own error shape, and lone surrogates were stored as U+FFFD.
 * Now each is a 4xx in the one error shape, and the log holds no line at error level or above and
 * no stack for any of them.
 */
type Line = { level: number; msg: string; [key: string]: unknown };

describe.each(backends)('bad input on $name', (backend) => {
  let app: App;
  let http: string;
  let ws: string;
  const lines: Line[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Line);
        done();
      },
    });
    app = await buildApp(testConfig(await backend.database()), { logger: { level: 'debug', stream } });
    await app.ready();
    ({ http, ws } = await listen(app));
  });
  afterAll(() => app.close());

  /** Lines at error level or above, or carrying a stack, logged since `from`. */
  const problems = (from: number) =>
    lines.slice(from).filter((l) => l.level >= 50 || JSON.stringify(l).includes('"stack"'));

  async function signedIn() {
    const res = await app.inject({ method: 'POST', url: '/auth/guest', payload: { username: uniqueName() } });
    const token = res.json().token as string;
    const headers = { authorization: `Bearer ${token}` };
    const roomId = (
      await app.inject({ method: 'POST', url: '/rooms', headers, payload: { name: uniqueName('r') } })
    ).json().roomId as string;
    return { token, headers, roomId };
  }

  it('answers bad REST input with a 4xx in the one error shape, and logs no error and no stack', async () => {
    const { headers, roomId } = await signedIn();
    const json = { ...headers, 'content-type': 'application/json' };
    const encrypted = (
      await app.inject({ method: 'POST', url: '/rooms', headers, payload: { name: uniqueName('e'), encrypted: true } })
    ).json().roomId as string;
    const junkEnvelope = {
      v: 1,
      roomId: encrypted,
      epoch: 3_000_000_000,
      senderDeviceId: 'aaaaaaaaaa',
      recipientDeviceId: 'bbbbbbbbbb',
      ephemeralKey: 'A'.repeat(43),
      nonce: 'A'.repeat(32),
      ciphertext: 'AAAA',
      signature: 'A'.repeat(86),
    };
    const multipart = (boundary: string | null, body: string) => ({
      ...headers,
      'content-type': boundary === null ? 'multipart/form-data' : `multipart/form-data; boundary=${boundary}`,
      body,
    });
    const cases: Array<{ what: string; method: string; url: string; headers?: Record<string, string>; body?: string }> =
      [
        {
          what: 'NUL in a message',
          method: 'POST',
          url: `/rooms/${roomId}/messages`,
          headers: json,
          body: '{"clientMessageId":"n1","body":"a\\u0000b"}',
        },
        {
          what: 'lone surrogate in a message',
          method: 'POST',
          url: `/rooms/${roomId}/messages`,
          headers: json,
          body: '{"clientMessageId":"n2","body":"a\\ud800b"}',
        },
        {
          what: 'NUL in a sign-in name',
          method: 'POST',
          url: '/auth/login',
          headers: { 'content-type': 'application/json' },
          body: '{"login":"al\\u0000ice","password":"a long password"}',
        },
        {
          what: 'lone surrogate in a room name',
          method: 'POST',
          url: '/rooms',
          headers: json,
          body: '{"name":"x\\udc00y"}',
        },
        {
          what: 'lone surrogate in a display name',
          method: 'POST',
          url: '/auth/register',
          headers: { 'content-type': 'application/json' },
          body: `{"name":"\\ud83d","username":"${uniqueName()}","email":"${uniqueName()}@example.com","password":"a long password"}`,
        },
        {
          what: 'NUL in a room name to join',
          method: 'POST',
          url: '/rooms/join',
          headers: json,
          body: '{"name":"a\\u0000"}',
        },
        {
          what: 'seq past 2^31 (before)',
          method: 'GET',
          url: `/rooms/${roomId}/messages?before=99999999999999`,
          headers,
        },
        { what: 'seq past 2^31 (after)', method: 'GET', url: `/rooms/${roomId}/messages?after=3000000000`, headers },
        { what: 'number out of range', method: 'GET', url: `/rooms/${roomId}/messages?limit=1e400`, headers },
        {
          what: 'epoch past 2^31',
          method: 'POST',
          url: `/rooms/${encrypted}/envelopes`,
          headers: json,
          body: JSON.stringify({ envelopes: [junkEnvelope] }),
        },
        { what: 'bad %-escape in the path', method: 'GET', url: '/rooms/%E0%A4%A/messages' },
        { what: 'bad %-escape, signed in', method: 'GET', url: '/%', headers },
        { what: 'over-long path segment', method: 'GET', url: `/rooms/${'a'.repeat(300)}/messages`, headers },
        {
          what: 'multipart cut short',
          method: 'POST',
          url: '/uploads',
          ...(({ body, ...h }) => ({ headers: h, body }))(
            multipart('xyz', '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello'),
          ),
        },
        {
          what: 'multipart without a boundary',
          method: 'POST',
          url: '/uploads',
          ...(({ body, ...h }) => ({ headers: h, body }))(multipart(null, 'junk')),
        },
        {
          what: 'over-deep JSON',
          method: 'POST',
          url: '/auth/guest',
          headers: { 'content-type': 'application/json' },
          body: `${'['.repeat(30_000)}${']'.repeat(30_000)}`,
        },
        {
          what: 'over-deep JSON in a field',
          method: 'POST',
          url: `/rooms/${roomId}/messages`,
          headers: json,
          body: `{"clientMessageId":"d1","body":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
        },
        { what: 'not JSON', method: 'POST', url: '/rooms', headers: json, body: '{"name":' },
        {
          what: 'wrong type',
          method: 'POST',
          url: '/auth/guest',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        },
      ];
    for (const c of cases) {
      const from = lines.length;
      const res = await fetch(`${http}${c.url}`, {
        method: c.method,
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.body === undefined ? {} : { body: c.body }),
      });
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      expect({ what: c.what, status: Math.floor(res.status / 100) }).toEqual({ what: c.what, status: 4 });
      expect({ what: c.what, shape: Object.keys(body) }).toEqual({ what: c.what, shape: ['error'] });
      expect({ what: c.what, code: typeof body.error?.code, message: typeof body.error?.message }).toEqual({
        what: c.what,
        code: 'string',
        message: 'string',
      });
      expect({ what: c.what, problems: problems(from) }).toEqual({ what: c.what, problems: [] });
    }
    // The messages say what to fix.
    const nul = await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers,
      payload: { clientMessageId: 'n3', body: 'a\u0000' },
    });
    expect(nul.json().error.message).toContain('must not contain NUL characters or unpaired surrogates');
    const bad = await fetch(`${http}/rooms/%E0%A4%A`);
    expect(await bad.json()).toEqual({
      error: { code: 'validation_failed', message: expect.stringContaining('%-escape') },
    });
    // Nothing was stored from the refused messages.
    const history = await app.inject({ method: 'GET', url: `/rooms/${roomId}/messages`, headers });
    expect(history.json().messages).toEqual([]);
  });

  it('answers bad frames with error frames, authenticated or not, and logs no error and no stack', async () => {
    const { token, roomId } = await signedIn();
    const socket = await connectAs(ws, token);
    socket.send({ type: 'join', roomId, ref: 'j' });
    await socket.next('joined');
    const frames: Array<[string, string]> = [
      [
        'NUL in a message',
        JSON.stringify({ type: 'send', ref: 's1', roomId, clientMessageId: 'w1', body: 'a\u0000b' }),
      ],
      [
        'lone surrogate in a message',
        `{"type":"send","ref":"s2","roomId":"${roomId}","clientMessageId":"w2","body":"\\udfff"}`,
      ],
      ['seq past 2^31', JSON.stringify({ type: 'read', ref: 'r1', roomId, seq: 3_000_000_000 })],
      ['lastSeq past 2^31', JSON.stringify({ type: 'join', ref: 'j2', roomId, lastSeq: 99_999_999_999 })],
      ['NUL in a room name', JSON.stringify({ type: 'join', ref: 'j3', roomName: 'a\u0000' })],
      ['over-deep JSON', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
      ['over-deep JSON object', `{"type":"send","ref":"s3","body":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`],
    ];
    for (const [what, raw] of frames) {
      const from = lines.length;
      const seen = socket.frames.length;
      socket.sendRaw(raw);
      const error = await socket.next('error');
      expect({ what, code: error.code }).not.toEqual({ what, code: 'internal' });
      expect({ what, acks: socket.frames.slice(seen).filter((f) => f.type === 'ack') }).toEqual({ what, acks: [] });
      expect({ what, problems: problems(from) }).toEqual({ what, problems: [] });
    }
    socket.close();

    // A frame past the socket server's own cap (2 MiB) is cut by the ws library: before the fix
    // @fastify/websocket logged it at error with a stack ("Max payload size exceeded").
    {
      const from = lines.length;
      const big = await connectAs(ws, token);
      big.sendRaw(JSON.stringify({ type: 'ping', ref: 'x'.repeat(3 * 1024 * 1024) }));
      await big.closed;
      await new Promise((r) => setTimeout(r, 100));
      expect(problems(from)).toEqual([]);
    }

    // Not signed in: junk closes the socket, and logs nothing at error either.
    for (const raw of ['\u0000', '{"type":"auth","token":"\\ud800"}', `{"type":"auth","token":"${'x'.repeat(300)}"}`]) {
      const from = lines.length;
      const anonymous = await connect(ws);
      anonymous.sendRaw(raw);
      expect((await anonymous.closed).code).toBe(4401);
      expect(problems(from)).toEqual([]);
    }
  });

  it('logs a client’s mistakes at info, at most 30 lines a minute per address', async () => {
    const from = lines.length;
    for (let i = 0; i < 60; i++) {
      await app.inject({
        method: 'POST',
        url: '/auth/guest',
        payload: { username: '!' },
        remoteAddress: '203.0.113.7',
      });
    }
    const refused = lines.slice(from).filter((l) => l.msg === 'request refused');
    expect(refused).toHaveLength(30);
    expect(refused.every((l) => l.level === 30 && !('err' in l))).toBe(true);
    expect(refused[0]).toMatchObject({ status: 400, code: 'validation_failed' });
  });
});

describe('the log limiter', () => {
  it('writes the first lines of a minute, then one summary with the count', () => {
    let now = 0;
    const written: Array<[string, object, string]> = [];
    const sink = (level: string) => (obj: object, msg: string) => written.push([level, obj, msg]);
    const limiter = createLogLimiter(
      { info: sink('info'), warn: sink('warn'), error: sink('error') },
      { perMinute: 3, what: 'refused requests', now: () => now },
    );
    for (let i = 0; i < 10; i++) limiter.log('info', '198.51.100.1', { i }, 'request refused');
    limiter.log('error', '198.51.100.2', {}, 'request failed');
    expect(written.map(([level, , msg]) => `${level} ${msg}`)).toEqual([
      'info request refused',
      'info request refused',
      'info request refused',
      'error request failed',
    ]);
    now = 60_000;
    limiter.flush();
    expect(written.at(-1)).toEqual([
      'info',
      { source: '198.51.100.1', suppressed: 7 },
      '7 more refused requests from 198.51.100.1 in the last minute were not logged',
    ]);
    expect(limiter.log('info', '198.51.100.1', {}, 'request refused')).toBe(true);
    limiter.close();
  });
});
