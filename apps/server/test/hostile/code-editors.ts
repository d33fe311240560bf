import { HocuspocusProvider } from '@hocuspocus/provider';
import * as Y from 'yjs';

/** A Yjs editor on `/ws/code`, as the web app runs one, with every close the server sent it. */
export type Editor = {
  doc: Y.Doc;
  text: Y.Text;
  provider: HocuspocusProvider;
  closes: Array<{ code: number; reason: string }>;
  /** The first close after `since` closes had been seen. */
  nextClose(since?: number, timeoutMs?: number): Promise<{ code: number; reason: string }>;
};

/** Opens an editor; resolves once the first sync is done. `doc` lets a test pick the Yjs client id. */
export function openEditor(url: string, roomId: string, token: string, doc = new Y.Doc()): Promise<Editor> {
  const closes: Array<{ code: number; reason: string }> = [];
  const waiters = new Set<() => void>();
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      provider.destroy();
      reject(error);
    };
    const provider: HocuspocusProvider = new HocuspocusProvider({
      url,
      name: roomId,
      token,
      document: doc,
      onClose: ({ event }) => {
        closes.push({ code: event.code, reason: event.reason });
        for (const w of waiters) w();
      },
      onSynced: () => {
        clearTimeout(timer);
        resolve({
          doc,
          text: doc.getText('code'),
          provider,
          closes,
          nextClose(since = 0, timeoutMs = 10_000) {
            return new Promise((res, rej) => {
              const check = () => {
                const found = closes[since];
                if (!found) return;
                waiters.delete(check);
                clearTimeout(t);
                res(found);
              };
              const t = setTimeout(() => {
                waiters.delete(check);
                rej(new Error(`no close within ${timeoutMs} ms`));
              }, timeoutMs);
              waiters.add(check);
              check();
            });
          },
        });
      },
      onAuthenticationFailed: ({ reason }) => {
        clearTimeout(timer);
        fail(new Error(`refused: ${reason}`));
      },
    });
    const timer = setTimeout(() => fail(new Error('no sync within 10 s')), 10_000);
  });
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
