import type { KeyValueStore } from './keyStore.ts';

/**
 * Where a browser keeps its end-to-end secrets (never the server, never localStorage): one
 * IndexedDB object store of plain values (base64url strings), opened once. The web app and the
 * phone app's web build use it under `KeyStore`.
 */
const DB_NAME = 'tandem-e2e';
const STORE = 'keys';

export function indexedDbStore(factory: IDBFactory = indexedDB): KeyValueStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return db;
  };
  const run = async <T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>) => {
    const database = await open();
    return new Promise<T>((resolve, reject) => {
      const request = action(database.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  };
  return {
    get: (key) => run('readonly', (store) => store.get(key)),
    set: async (key, value) => {
      await run('readwrite', (store) => store.put(value, key));
    },
  };
}
