/**
 * Every key and nonce comes from here. The source must be cryptographic: the Web Crypto
 * `getRandomValues` (browsers, Node) or one the app installs (React Native: expo-crypto).
 * There is no fallback: without one, every call throws rather than make weak keys.
 */
export type RandomSource = (length: number) => Uint8Array;

let installed: RandomSource | undefined;

/** For platforms without Web Crypto (React Native): install a native source at start-up (undefined removes it). */
export function setRandomSource(source: RandomSource | undefined): void {
  installed = source;
}

export function randomBytes(length: number): Uint8Array {
  if (installed) return installed(length);
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (typeof webCrypto?.getRandomValues !== 'function') {
    throw new Error('No cryptographic random source: install one with setRandomSource() (e.g. expo-crypto).');
  }
  return webCrypto.getRandomValues(new Uint8Array(length));
}
