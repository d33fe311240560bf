// jest-expo runs the screens on React Native's renderer. Our workspace packages are TypeScript
// (transformed because they live outside node_modules); @noble/* and zod ship ES modules only.
/** @type {import('jest').Config} */
module.exports = {
  preset: 'jest-expo',
  testMatch: ['<rootDir>/test/**/*.test.ts?(x)'],
  setupFiles: ['<rootDir>/test/setup.ts'],
  // A fresh clone transforms the whole app (Babel, no cache yet) inside the first test that
  // renders it: on a 2-core CI machine that alone took more than jest's default 5 s.
  testTimeout: 30_000,
  transformIgnorePatterns: [
    'node_modules/(?!((jest-)?react-native|@react-native(-community)?|expo(nent)?|@expo(nent)?/.*|react-native-safe-area-context|@noble/.*|zod))',
  ],
};
