import { createE2EApi, type E2EApi } from './e2eApi.ts';
import { indexedDbStore, KeyStore, memoryStore } from './keyStore.ts';

/** The key store and API the encrypted rooms use; tests swap them with `setE2EDeps`. */
export type E2EDeps = { keys: KeyStore; api: E2EApi };

let deps: E2EDeps | undefined;

export function e2eDeps(): E2EDeps {
  deps ??= {
    keys: new KeyStore(typeof indexedDB === 'undefined' ? memoryStore() : indexedDbStore()),
    api: createE2EApi(),
  };
  return deps;
}

export function setE2EDeps(next: E2EDeps | undefined): void {
  deps = next;
}
