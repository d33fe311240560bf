import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { App } from '../../src/app.ts';
import { backends, guest, startApp, testConfig, uniqueName } from '../helpers.ts';
import { listen } from '../ws-helpers.ts';
import { type Editor, openEditor, until } from './code-editors.ts';

/**
 * Code-room awareness (who is here, their name, colour and cursor) used to be whatever each
 * client said: anyone could appear as anyone. The server now writes `user` from the session.
 */

type Shown = { id?: string; name?: string; color?: string; colorLight?: string };

describe.each(backends)('code-room awareness on $name', (backend) => {
  const apps: App[] = [];
  const editors: Editor[] = [];
  afterEach(() => {
    for (const e of editors.splice(0)) e.provider.destroy();
  });
  afterAll(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  async function setUp() {
    const app = await startApp(testConfig(await backend.database()));
    apps.push(app);
    const code = `${(await listen(app)).ws}/code`;
    const alice = await guest(app, uniqueName('alice'));
    const res = await app.inject({
      method: 'POST',
      url: '/rooms',
      headers: alice.headers,
      payload: { name: uniqueName('Pair '), kind: 'code' },
    });
    return { app, code, alice, roomId: res.json().roomId as string };
  }
  const open = async (url: string, roomId: string, token: string, doc?: Y.Doc) => {
    const editor = await openEditor(url, roomId, token, doc);
    editors.push(editor);
    return editor;
  };
  const shownBy = (viewer: Editor, clientId: number) =>
    (viewer.provider.awareness?.getStates().get(clientId) as { user?: Shown } | undefined)?.user;

  it('shows each editor as their session says, whatever their client claims', async () => {
    const { app, code, alice, roomId } = await setUp();
    const mallory = await guest(app, uniqueName('mallory'));
    const a = await open(code, roomId, alice.token);
    const m = await open(code, roomId, mallory.token);
    // Mallory claims to be alice, in a colour that would be a style injection.
    m.provider.awareness?.setLocalStateField('user', {
      id: alice.user.id,
      name: alice.user.username,
      color: 'red; background: url(https://evil.example/x)',
      colorLight: 'red',
    });
    await until(() => shownBy(a, m.doc.clientID)?.id !== undefined, 'alice to see mallory');
    const seen = shownBy(a, m.doc.clientID);
    expect(seen).toMatchObject({ id: mallory.user.id, name: mallory.user.username });
    expect(seen?.color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(seen?.colorLight).toBe(`${seen?.color}33`);
    // A plain colour of the client's choosing is kept (the web app moves off a clashing one).
    m.provider.awareness?.setLocalStateField('user', { id: 'whoever', name: 'Alice', color: '#047857' });
    await until(() => shownBy(a, m.doc.clientID)?.color === '#047857', 'the new colour');
    expect(shownBy(a, m.doc.clientID)).toMatchObject({ id: mallory.user.id, name: mallory.user.username });
    // Alice's client says she is someone else: she still shows as herself.
    a.provider.awareness?.setLocalStateField('user', { id: mallory.user.id, name: 'Mallory' });
    await until(() => shownBy(m, a.doc.clientID)?.id !== undefined, 'mallory to see alice');
    expect(shownBy(m, a.doc.clientID)).toMatchObject({ id: alice.user.id, name: alice.user.username });
  });

  it('does not let one editor speak for another editor’s client id', async () => {
    const { app, code, alice, roomId } = await setUp();
    const bob = await guest(app, uniqueName('bob'));
    const mallory = await guest(app, uniqueName('mallory'));
    const a = await open(code, roomId, alice.token);
    const b = await open(code, roomId, bob.token);
    b.provider.awareness?.setLocalStateField('cursor', { at: 'bob’s own' });
    await until(() => shownBy(a, b.doc.clientID)?.id === bob.user.id, 'alice to see bob');
    // Mallory's client takes bob's Yjs client id, and publishes a state under it.
    const doc = new Y.Doc();
    doc.clientID = b.doc.clientID;
    const m = await open(code, roomId, mallory.token, doc);
    m.provider.awareness?.setLocalStateField('cursor', { at: 'somewhere else' });
    m.provider.awareness?.setLocalStateField('user', { id: bob.user.id, name: 'bob' });
    await new Promise((r) => setTimeout(r, 500));
    const state = a.provider.awareness?.getStates().get(b.doc.clientID) as { user?: Shown; cursor?: unknown };
    expect(state.user?.id).toBe(bob.user.id);
    expect(state.cursor).toEqual({ at: 'bob’s own' });
  });

  it('drops an oversized awareness state instead of passing it to everyone', async () => {
    const { app, code, alice, roomId } = await setUp();
    const mallory = await guest(app, uniqueName('mallory'));
    const a = await open(code, roomId, alice.token);
    const m = await open(code, roomId, mallory.token);
    // (A client shows up once it sets a field: y-protocols never sends the empty first state.)
    m.provider.awareness?.setLocalStateField('cursor', null);
    await until(() => shownBy(a, m.doc.clientID)?.id === mallory.user.id, 'alice to see mallory');
    m.provider.awareness?.setLocalStateField('junk', 'j'.repeat(100_000));
    await new Promise((r) => setTimeout(r, 500));
    const state = a.provider.awareness?.getStates().get(m.doc.clientID) as { junk?: string } | undefined;
    expect(state?.junk).toBeUndefined();
  });
});
