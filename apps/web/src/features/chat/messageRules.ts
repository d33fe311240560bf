// The server's limit, from the zod-free entry point (the schemas stay out of the bundle).
import { MESSAGE_MAX } from '@tandem/protocol/constants';

export { MESSAGE_MAX };

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
