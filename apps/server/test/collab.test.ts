import { HocuspocusProvider } from '@hocuspocus/provider';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { App } from '../src/app.ts';
import { seedTemplate } from '../src/collab/seed.ts';
import { backends, guest, startApp, testConfig, uniqueName } from './helpers.ts';
import { listen } from './ws-helpers.ts';

const redisUrl = process.env.TEST_REDIS_URL;

type Editor = { doc: Y.Doc; text: Y.Text; provider: HocuspocusProvider };

/** A Yjs client on the code socket, as the web editor is: resolves once the first sync is done. */
function openEditor(url: string, roomId: string, token: string): Promise<Editor> {
  const doc = new Y.Doc();
  return new Promise((resolve, reject) => {
    // A refused or silent provider is destroyed, or it would keep reconnecting for ever.
    const fail = (error: Error) => {
      provider.destroy();
      reject(error);
    };
    const provider: HocuspocusProvider = new HocuspocusProvider({
      url,
      name: roomId,
      token,
      document: doc,
      onSynced: () => {
        clearTimeout(timer);
        resolve({ doc, text: doc.getText('code'), provider });
      },
      onAuthenticationFailed: ({ reason }) => {
        clearTimeout(timer);
        fail(new Error(`refused: ${reason}`));
      },
    });
    const timer = setTimeout(() => fail(new Error('no sync within 5 s')), 5000);
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A small deterministic PRNG, so a failing random run can be replayed from its seed. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(backends)('code rooms on $name', (backend) => {
  const apps: App[] = [];
  const editors: Editor[] = [];
  afterEach(() => {
    for (const e of editors.splice(0)) e.provider.destroy();
  });
  afterAll(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  async function start(database?: Awaited<ReturnType<typeof backend.database>>) {
    const db = database ?? (await backend.database());
    const app = await startApp(testConfig(db));
    apps.push(app);
    const urls = await listen(app);
    return { app, db, code: `${urls.ws}/code`, http: urls.http };
  }
  async function codeRoom(app: App) {
    const owner = await guest(app);
    const res = await app.inject({
      method: 'POST',
      url: '/rooms',
      headers: owner.headers,
      payload: { name: uniqueName('Pair '), kind: 'code' },
    });
    return { owner, roomId: res.json().roomId as string, name: res.json().room.name as string };
  }
  const open = async (url: string, roomId: string, token: string) => {
    const editor = await openEditor(url, roomId, token);
    editors.push(editor);
    return editor;
  };

  it('seeds a new room once, on the server, and shows each editor the other’s typing', async () => {
    const { app, code } = await start();
    const { owner, roomId, name } = await codeRoom(app);
    const partner = await guest(app);
    const a = await open(code, roomId, owner.token);
    const b = await open(code, roomId, partner.token);
    expect(a.text.toString()).toBe(seedTemplate(name));
    expect(b.text.toString()).toBe(seedTemplate(name));
    a.text.insert(0, '# alice was here\n');
    await until(() => b.text.toString().startsWith('# alice was here\n'), 'b to see a');
    b.text.insert(b.text.length, '# bob too\n');
    await until(() => a.text.toString().endsWith('# bob too\n'), 'a to see b');
    const rest = await app.inject({ method: 'GET', url: `/rooms/${roomId}/code`, headers: owner.headers });
    expect(rest.json()).toEqual({ roomId, language: 'python', code: a.text.toString() });
    // Opening the editor made the partner a member.
    const members = await app.inject({ method: 'GET', url: `/rooms/${roomId}/members`, headers: owner.headers });
    expect(members.json().members).toHaveLength(2);
  });

  it('converges: four editors making random concurrent edits end with identical text', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    const users = [owner, await guest(app), await guest(app), await guest(app)];
    const all = await Promise.all(users.map((u) => open(code, roomId, u.token)));
    const seed = Date.now() % 100_000;
    const random = mulberry32(seed);
    const alphabet = 'abcdefghij \n(){}:';
    await Promise.all(
      all.map(async (editor, index) => {
        for (let op = 0; op < 40; op++) {
          const length = editor.text.length;
          if (length > 0 && random() < 0.35) {
            const at = Math.floor(random() * length);
            editor.text.delete(at, Math.min(length - at, 1 + Math.floor(random() * 5)));
          } else {
            const at = Math.floor(random() * (length + 1));
            const piece = Array.from(
              { length: 1 + Math.floor(random() * 4) },
              () => alphabet[Math.floor(random() * alphabet.length)],
            ).join('');
            editor.text.insert(at, `${index}${piece}`);
          }
          if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 10)));
        }
      }),
    );
    await until(() => all.every((e) => e.text.toString() === all[0]?.text.toString()), `convergence (seed ${seed})`);
    const server = (await app.inject({ method: 'GET', url: `/rooms/${roomId}/code`, headers: owner.headers })).json()
      .code;
    expect(server, `seed ${seed}`).toBe(all[0]?.text.toString());
  });

  it('keeps a room’s code across a server restart, without seeding it again', async () => {
    const first = await start();
    const { owner, roomId } = await codeRoom(first.app);
    const editor = await openEditor(first.code, roomId, owner.token);
    editor.doc.getMap('meta').set('language', 'typescript');
    editor.text.delete(0, editor.text.length);
    editor.text.insert(0, 'const answer: number = 42;\n');
    await until(
      async () =>
        (await first.app.inject({ method: 'GET', url: `/rooms/${roomId}/code`, headers: owner.headers })).json()
          .code === 'const answer: number = 42;\n',
      'the server to have the edit',
    );
    editor.provider.destroy();
    // Closing flushes the document at once, even inside the store debounce.
    await first.app.close();
    apps.splice(apps.indexOf(first.app), 1);

    const second = await start(first.db);
    const rest = await second.app.inject({ method: 'GET', url: `/rooms/${roomId}/code`, headers: owner.headers });
    expect(rest.json()).toMatchObject({ language: 'typescript', code: 'const answer: number = 42;\n' });
    const reopened = await open(second.code, roomId, owner.token);
    expect(reopened.text.toString()).toBe('const answer: number = 42;\n');
  });

  it('refuses editors without a session, on chat rooms and on unknown rooms', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    await expect(openEditor(code, roomId, 'not-a-session')).rejects.toThrow(
      'refused: Sign in or join as a guest first.',
    );
    const chat = await app.inject({
      method: 'POST',
      url: '/rooms',
      headers: owner.headers,
      payload: { name: uniqueName('chat') },
    });
    await expect(openEditor(code, chat.json().roomId, owner.token)).rejects.toThrow(
      'refused: This room has no code editor.',
    );
    await expect(openEditor(code, 'AAAAAAAAAAAAAAAAAAAAAA', owner.token)).rejects.toThrow(
      'refused: No room has this id',
    );
    expect(
      (await app.inject({ method: 'GET', url: '/rooms/AAAAAAAAAAAAAAAAAAAAAA/code', headers: owner.headers }))
        .statusCode,
    ).toBe(404);
  });

  it.runIf(backend.name === 'postgres' && redisUrl)(
    'converges across two nodes sharing the database and Redis',
    async () => {
      const db = await backend.database();
      const prefix = `tandem-test-${process.pid}-${Date.now()}`;
      const nodes = [];
      for (let i = 0; i < 2; i++) {
        const app = await startApp(testConfig(db, { REDIS_URL: redisUrl ?? '', REDIS_PREFIX: prefix }));
        apps.push(app);
        nodes.push({ app, code: `${(await listen(app)).ws}/code` });
      }
      const [one, two] = nodes;
      if (!one || !two) throw new Error('setup');
      const { owner, roomId, name } = await codeRoom(one.app);
      const partner = await guest(two.app);
      const [a, b] = await Promise.all([open(one.code, roomId, owner.token), open(two.code, roomId, partner.token)]);
      // Both nodes may have seeded the empty room at once: the text must still appear once.
      expect(a.text.toString()).toBe(seedTemplate(name));
      await until(() => b.text.toString() === seedTemplate(name), 'node two to hold the seed once');
      a.text.insert(0, 'A');
      b.text.insert(b.text.length, 'B');
      await until(
        () => a.text.toString() === b.text.toString() && a.text.toString().startsWith('A'),
        'nodes to converge',
      );
      expect(b.text.toString()).toBe(`A${seedTemplate(name)}B`);
    },
  );
});
