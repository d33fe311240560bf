import { z } from 'zod';

export const CODE_MAX_BYTES = 100 * 1024;

export const Language = z.enum(['python', 'javascript', 'typescript']);
export type Language = z.infer<typeof Language>;

/** Seed 001's request: the document, where the cursor is, and the language. */
export const AutocompleteRequest = z
  .object({
    code: z
      .string()
      .refine((code) => new TextEncoder().encode(code).length <= CODE_MAX_BYTES, 'must be at most 100 KB'),
    cursorPosition: z.number().int().nonnegative().describe('Offset in `code` (UTF-16 code units), 0 to code.length.'),
    language: Language,
  })
  .refine((r) => r.cursorPosition <= r.code.length, {
    message: 'must be within the code (0 to its length)',
    path: ['cursorPosition'],
  })
  .meta({
    id: 'AutocompleteRequest',
    examples: [{ code: 'def greet(name', cursorPosition: 14, language: 'python' }],
  });
export type AutocompleteRequest = z.infer<typeof AutocompleteRequest>;

export const AutocompleteResponse = z
  .object({
    suggestion: z.string().describe('Text to insert at the cursor; empty when there is nothing to suggest.'),
    provider: z.enum(['rules', 'openai']).describe('Which provider answered.'),
    fallback: z.boolean().describe('True when the configured provider failed or was too slow and the rules answered.'),
  })
  .meta({
    id: 'AutocompleteResponse',
    examples: [{ suggestion: '):\n    pass', provider: 'rules', fallback: false }],
  });
export type AutocompleteResponse = z.infer<typeof AutocompleteResponse>;

/** A code room's document as text: for REST and Postman users (seed 001). */
export const CodeResponse = z.object({ roomId: z.string(), language: z.string(), code: z.string() }).meta({
  id: 'Code',
  examples: [
    { roomId: 'q3Z8vJb0S4mYdE1xKpLr2w', language: 'python', code: 'def main():\n    print("Hello, Tandem!")\n' },
  ],
});
export type CodeResponse = z.infer<typeof CodeResponse>;
