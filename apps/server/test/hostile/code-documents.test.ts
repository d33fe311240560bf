import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { CodeCloseCode } from '../../src/collab/index.ts';
import { loadCodeState } from '../../src/store/code-documents.repository.ts';
import { backends, guest, startApp, testConfig, uniqueName } from '../helpers.ts';
import { listen } from '../ws-helpers.ts';
import { type Editor, openEditor, until } from './code-editors.ts';

/**
 * Hostile editors of code rooms. One guest used to append 25 × 1.9 MiB to a room in 12 s: the
 * process grew by 600 MB, the database by 94 MiB, and `GET /rooms/:id/code` served 49.8 MB. Now a
 * document has a cap (CODE_DOC_MAX_BYTES), `/ws/code` its own frame limit and a byte budget per
 * socket, and the offending socket is closed with a reason the editor shows.
 */

const CAP = 512 * 1024; // CODE_DOC_MAX_BYTES's default

describe.each(backends)('code documents on $name', (backend) => {
  const apps: App[] = [];
  const editors: Editor[] = [];
  afterEach(() => {
    for (const e of editors.splice(0)) e.provider.destroy();
  });
  afterAll(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  async function start(env: Record<string, string> = {}) {
    const app = await startApp(testConfig(await backend.database(), env));
    apps.push(app);
    const urls = await listen(app);
    return { app, code: `${urls.ws}/code` };
  }
  async function codeRoom(app: App) {
    const owner = await guest(app);
    const res = await app.inject({
      method: 'POST',
      url: '/rooms',
      headers: owner.headers,
      payload: { name: uniqueName('Pair '), kind: 'code' },
    });
    return { owner, roomId: res.json().roomId as string };
  }
  const open = async (url: string, roomId: string, token: string) => {
    const editor = await openEditor(url, roomId, token);
    editors.push(editor);
    return editor;
  };
  const restCode = async (app: App, roomId: string, headers: Record<string, string>) => {
    const res = await app.inject({ method: 'GET', url: `/rooms/${roomId}/code`, headers });
    expect(res.statusCode).toBe(200);
    return { bytes: res.rawPayload.byteLength, code: res.json().code as string };
  };
  /** The stored state, once the store (debounced) has caught up with the live text. */
  const stored = async (app: App, roomId: string, live: string) => {
    let state: Uint8Array | null = null;
    await until(
      async () => {
        state = await loadCodeState(app.store.db, roomId);
        if (!state) return false;
        const { readState } = await import('../../src/collab/seed.ts');
        return readState(state).code === live;
      },
      'the document to be stored',
      15_000,
    );
    return state as unknown as Uint8Array;
  };

  it('cuts off an editor appending large updates, with the reason; the document stays under the cap and the others go on', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    const partner = await guest(app);
    const attacker = await guest(app);
    const a = await open(code, roomId, owner.token);
    const b = await open(code, roomId, partner.token);
    const evil = await open(code, roomId, attacker.token);

    // 200 KB at a time (under the frame limit): the third would take the document past 512 KiB.
    const chunk = `${'x'.repeat(199_999)}\n`;
    for (let i = 0; i < 6; i++) evil.text.insert(evil.text.length, chunk);
    const close = await evil.nextClose();
    evil.provider.destroy();
    expect(close.code).toBe(CodeCloseCode.documentFull);
    expect(close.reason).toContain("This code room's document is full (512 KB)");

    // The others saw at most what fitted, and keep editing together.
    a.text.insert(0, '# still here\n');
    await until(() => b.text.toString().startsWith('# still here\n'), 'b to see a after the attack');
    b.text.insert(b.text.length, '# me too\n');
    await until(() => a.text.toString().endsWith('# me too\n'), 'a to see b after the attack');
    expect(a.text.toString()).toBe(b.text.toString());

    const rest = await restCode(app, roomId, owner.headers);
    expect(rest.code).toBe(a.text.toString());
    expect(rest.bytes).toBeLessThan(CAP + 1024); // the JSON around the text
    expect(Buffer.byteLength(rest.code)).toBeLessThanOrEqual(CAP);
    const state = await stored(app, roomId, rest.code);
    expect(state.byteLength).toBeLessThanOrEqual(CAP);
    expect(rest.code.length).toBeGreaterThan(2 * 199_000); // what fitted was kept
  });

  it('closes a socket sending a frame over the code socket’s limit, with the reason', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    const evil = await open(code, roomId, owner.token);
    evil.text.insert(0, 'y'.repeat(300 * 1024)); // one update, over the 256 KiB frame limit
    const close = await evil.nextClose();
    evil.provider.destroy();
    expect(close).toEqual({ code: CodeCloseCode.tooBig, reason: expect.stringContaining('too large to send at once') });
    expect((await restCode(app, roomId, owner.headers)).code).not.toContain('yyyy');
  });

  it('closes a socket that sends more bytes than its budget, even when the document stays small', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    const other = await guest(app);
    const evil = await open(code, roomId, owner.token);
    const b = await open(code, roomId, other.token);
    // Insert and delete 200 KB again and again: the document stays small, the bytes do not.
    for (let i = 0; i < 12; i++) {
      evil.text.insert(0, 'z'.repeat(200_000));
      evil.text.delete(0, 200_000);
    }
    const close = await evil.nextClose();
    evil.provider.destroy();
    expect(close).toEqual({ code: CodeCloseCode.tooFast, reason: expect.stringContaining('Too much sent too fast') });
    b.text.insert(0, 'ok ');
    await until(
      async () => (await restCode(app, roomId, owner.headers)).code.startsWith('ok '),
      'the other editor to go on',
    );
  });

  it('accepts a 2,000-line paste (about 80 KB), as a team pastes a file', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    const partner = await guest(app);
    const a = await open(code, roomId, owner.token);
    const b = await open(code, roomId, partner.token);
    const file = Array.from(
      { length: 2000 },
      (_, i) => `    result_${i} = compute_something(values[${i}], factor=${i % 7})  # line ${i}`,
    ).join('\n');
    expect(file.length).toBeGreaterThan(75_000);
    a.text.delete(0, a.text.length);
    a.text.insert(0, file);
    await until(() => b.text.toString() === file, 'the paste to reach the partner');
    expect((await restCode(app, roomId, partner.headers)).code).toBe(file);
    expect(a.closes).toEqual([]);
    // And the paste again, at once, on top: still well under the cap.
    a.text.insert(a.text.length, `\n${file}`);
    await until(() => b.text.length === 2 * file.length + 1, 'the second paste');
    expect(a.closes).toEqual([]);
  });

  it('limits the code documents one person has open at once (CODE_MAX_OPEN_DOCUMENTS)', async () => {
    const { app, code } = await start({ CODE_MAX_OPEN_DOCUMENTS: '2' });
    const alice = await guest(app);
    const rooms = [];
    for (let i = 0; i < 3; i++) rooms.push((await codeRoom(app)).roomId);
    const [one, two, three] = rooms as [string, string, string];
    const first = await open(code, one, alice.token);
    await open(code, two, alice.token);
    await expect(openEditor(code, three, alice.token)).rejects.toThrow('You have 2 code rooms open already');
    // Someone else is not counted against alice.
    const bob = await guest(app);
    await open(code, three, bob.token);
    // Closing one lets the next one open.
    first.provider.destroy();
    await until(async () => {
      try {
        editors.push(await openEditor(code, three, alice.token));
        return true;
      } catch {
        return false;
      }
    }, 'a slot to free up');
  });

  it('serves GET /rooms/:id/code to members only: 401 without a session, 403 for others, 200 for members', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    const get = (headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url: `/rooms/${roomId}/code`, headers });
    expect((await get()).statusCode).toBe(401);
    const stranger = await guest(app);
    const refused = await get(stranger.headers);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('forbidden');
    expect(refused.body).not.toContain('Hello, Tandem');
    expect((await get(owner.headers)).statusCode).toBe(200);
    // Joining (by id, or by opening the editor) makes a member.
    await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: stranger.headers });
    expect((await get(stranger.headers)).json().code).toContain('Hello, Tandem');
    const third = await guest(app);
    await open(code, roomId, third.token);
    expect((await get(third.headers)).statusCode).toBe(200);
  });
});
