import { z } from 'zod';

/** Random, URL-safe, unguessable identifiers (128 bits, base64url). */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9_-]{10,64}$/, 'must be an id of 10–64 URL-safe characters')
  .meta({ examples: ['q3Z8vJb0S4mYdE1xKpLr2w'] });

/**
 * Text a person typed can be stored and sent back exactly: no NUL (PostgreSQL refuses it in text)
 * and no unpaired UTF-16 surrogate (UTF-8 has no encoding for one; it would come back as U+FFFD).
 * Checked by hand rather than with `isWellFormed`, which not every phone's JavaScript has.
 */
export function isStorableText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}
export const STORABLE_TEXT = 'must not contain NUL characters or unpaired surrogates';

/** The largest seq, epoch or count the databases' integer columns hold. */
export const INT32_MAX = 2_147_483_647;

/** Instants travel as ISO 8601 strings in UTC. */
export const Timestamp = z.iso.datetime().meta({ examples: ['2026-11-21T11:31:00.000Z'] });

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
/**
 * Usernames: 3–32 ASCII letters, digits, `_`, `-` or `.`, starting with a letter or digit.
 * Unique without regard to case ("Alice" and "alice" are the same person).
 * ASCII only, so that look-alike letters from other scripts cannot impersonate someone.
 */
export const Username = z
  .string()
  .trim()
  .min(USERNAME_MIN, `must be at least ${USERNAME_MIN} characters`)
  .max(USERNAME_MAX, `must be at most ${USERNAME_MAX} characters`)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'may contain only letters, digits, "_", "-" and ".", and must start with a letter or digit',
  )
  .meta({ examples: ['alice'] });

export const ROOM_NAME_MAX = 64;
/** Room names: 1–64 printable characters; unique without regard to case or repeated spaces. */
export const RoomName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(ROOM_NAME_MAX, `must be at most ${ROOM_NAME_MAX} characters`)
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters')
  .refine(isStorableText, STORABLE_TEXT)
  .meta({ examples: ['Team Unicorns'] });

export const ErrorCode = z.enum([
  'validation_failed',
  'invalid_json',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'insufficient_storage',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error shape every failing REST call answers with. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string().describe('A sentence a person can act on.'),
      details: z.unknown().optional().describe('Machine-readable extras, e.g. the fields that failed.'),
    }),
  })
  .meta({
    id: 'Error',
    examples: [
      {
        error: {
          code: 'validation_failed',
          message: 'body.username: must be at least 3 characters',
          details: { issues: [{ path: 'body.username', message: 'must be at least 3 characters' }] },
        },
      },
    ],
  });
export type ErrorResponse = z.infer<typeof ErrorResponse>;
