/**
 * The server's limit (MESSAGE_MAX in @tandem/protocol), repeated here because importing the
 * protocol's values would pull its zod schemas into the bundle for one number.
 */
export const MESSAGE_MAX = 4000;

/** Why a message cannot be sent as it is, in words; undefined when it can. */
export function messageProblem(body: string): string | undefined {
  const length = body.trim().length;
  if (length === 0) return 'Type a message first.';
  if (length > MESSAGE_MAX) {
    const over = length - MESSAGE_MAX;
    return `This message is ${over.toLocaleString()} ${over === 1 ? 'character' : 'characters'} too long (${length.toLocaleString()} of ${MESSAGE_MAX.toLocaleString()}).`;
  }
  return undefined;
}
