import { randomBytes } from 'node:crypto';
import { setRandomSource } from '@tandem/crypto';

// The app installs expo-crypto's native generator at start-up (src/platform/random.ts); under
// Jest there is no native module, so Node's generator stands in (also cryptographic).
setRandomSource((length) => new Uint8Array(randomBytes(length)));

// The safe-area provider waits for the native module's first measurement, which never comes
// under Jest; the library's own mock gives it a phone's insets.
jest.mock('react-native-safe-area-context', () => require('react-native-safe-area-context/jest/mock').default);
