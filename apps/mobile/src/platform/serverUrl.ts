import Constants from 'expo-constants';
import { Platform } from 'react-native';

const DEFAULT_PORT = 8000;

/**
 * Where the Tandem server is, first match wins:
 * 1. `EXPO_PUBLIC_TANDEM_URL` when the app is started or built (e.g. http://192.168.1.20:8000);
 * 2. `expo.extra.serverUrl` in app.json;
 * 3. the web build: the page's own origin (Tandem can serve it, or set CORS_ORIGINS);
 * 4. in Expo Go during development: the computer running Metro, on port 8000 — Tandem usually
 *    runs on that same computer, so a phone on the same network finds it with no set-up.
 */
export function serverUrl(): string {
  const fromEnv = process.env.EXPO_PUBLIC_TANDEM_URL;
  if (fromEnv) return trimSlash(fromEnv);
  const fromConfig = (Constants.expoConfig?.extra as { serverUrl?: unknown } | undefined)?.serverUrl;
  if (typeof fromConfig === 'string' && fromConfig !== '') return trimSlash(fromConfig);
  if (Platform.OS === 'web' && typeof location !== 'undefined') return location.origin;
  const host = Constants.expoConfig?.hostUri?.split(':')[0];
  return `http://${host || 'localhost'}:${DEFAULT_PORT}`;
}

export const socketUrl = (base: string) => `${base.replace(/^http/, 'ws')}/ws`;

const trimSlash = (url: string) => url.replace(/\/+$/, '');
