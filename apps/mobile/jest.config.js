// jest-expo runs the screens on React Native's renderer. Our workspace packages are TypeScript
// (transformed because they live outside node_modules); @noble/* and zod ship ES modules only.
/** @type {import('jest').Config} */
module.exports = {
  preset: 'jest-expo',
  testMatch: ['<rootDir>/test/**/*.test.ts?(x)'],
  setupFiles: ['<rootDir>/test/setup.ts'],
  transformIgnorePatterns: [
    'node_modules/(?!((jest-)?react-native|@react-native(-community)?|expo(nent)?|@expo(nent)?/.*|react-native-safe-area-context|@noble/.*|zod))',
  ],
};
