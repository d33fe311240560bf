import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  CODE_DEFAULT_LANGUAGE,
  CODE_LANGUAGE_KEY,
  CODE_META,
  CODE_TEXT,
  CodeCloseCode,
  MESSAGE_MAX,
  TYPING_REFRESH_MS,
} from '../src/constants.ts';

// Server, web and mobile import these instead of typing them; the values themselves are part of
// what is already out there, so changing one is a protocol change, not a refactor.
describe('shared constants', () => {
  it('keeps the Yjs names every stored code document was written with', () => {
    // A code room's document is persisted (code_documents) under these names: renamed, every
    // stored document would open empty.
    expect({ CODE_TEXT, CODE_META, CODE_LANGUAGE_KEY, CODE_DEFAULT_LANGUAGE }).toEqual({
      CODE_TEXT: 'code',
      CODE_META: 'meta',
      CODE_LANGUAGE_KEY: 'language',
      CODE_DEFAULT_LANGUAGE: 'python',
    });
  });

  it('keeps the close codes and limits that released clients act on', () => {
    expect(CloseCode.unauthorized).toBe(4401);
    expect(CloseCode.unsupportedVersion).toBe(4426);
    expect(CloseCode.tryAgainLater).toBe(1013);
    expect(CodeCloseCode).toEqual({ tooBig: 1009, documentFull: 4413, tooFast: 4429, leftRoom: 4403 });
    expect(MESSAGE_MAX).toBe(4000);
  });

  it('refreshes a typing lease well within the server’s default lease (5 s)', () => {
    expect(TYPING_REFRESH_MS).toBeLessThan(5000);
  });
});
