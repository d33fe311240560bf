import { setRandomSource } from '@tandem/crypto';
import * as ExpoCrypto from 'expo-crypto';

/**
 * Every key and nonce on the phone comes from the OS's cryptographic generator (expo-crypto:
 * SecRandomCopyBytes on iOS, SecureRandom on Android). Hermes has no Web Crypto, and
 * @tandem/crypto refuses to run without a source rather than fall back to Math.random.
 */
export function installRandomSource(): void {
  setRandomSource((length) => ExpoCrypto.getRandomBytes(length));
}
