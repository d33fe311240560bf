import { createRestClient } from '@tandem/client';
import { type E2EDeps, indexedDbStore, KeyStore, memoryStore } from '@tandem/client/e2e';

let deps: E2EDeps | undefined;

/** The key store (IndexedDB) and API (same origin, session cookie) the encrypted rooms use; tests swap them with `setE2EDeps`. */
export function e2eDeps(): E2EDeps {
  deps ??= {
    keys: new KeyStore(typeof indexedDB === 'undefined' ? memoryStore() : indexedDbStore()),
    api: createRestClient({ baseUrl: '', credentials: 'same-origin' }),
  };
  return deps;
}

export function setE2EDeps(next: E2EDeps | undefined): void {
  deps = next;
}
