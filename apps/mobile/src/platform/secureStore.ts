import { indexedDbStore, type KeyValueStore } from '@tandem/client/e2e';
import * as SecureStore from 'expo-secure-store';
import { Platform } from 'react-native';

/**
 * The phone's secrets (device keys, room keys, the session token) go to the platform's secure
 * store: the iOS Keychain, Android's Keystore-backed storage. Its keys allow letters, digits,
 * ".", "-" and "_"; ours use ":" as a separator, which ids never contain, so it becomes ".".
 * The web build keeps them in IndexedDB, as the web app does.
 */
export function secureKeyValueStore(): KeyValueStore {
  if (Platform.OS === 'web') return indexedDbStore();
  const storeKey = (key: string) => `tandem.${key.replaceAll(':', '.').replace(/[^\w.-]/g, '_')}`;
  return {
    get: async (key) => {
      const value = await SecureStore.getItemAsync(storeKey(key));
      return value === null ? undefined : (JSON.parse(value) as unknown);
    },
    set: async (key, value) => {
      if (value === undefined || value === null) await SecureStore.deleteItemAsync(storeKey(key));
      else await SecureStore.setItemAsync(storeKey(key), JSON.stringify(value));
    },
  };
}
