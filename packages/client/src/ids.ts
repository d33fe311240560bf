/**
 * A client message id: unique per sender, not secret. Uses crypto.randomUUID where it exists
 * (browsers in secure contexts, Node), else random bytes, else time and Math.random — ids only
 * need to be unique, and a collision would at worst merge two sends by the same person.
 */
export function newClientMessageId(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  if (c?.getRandomValues) {
    const bytes = c.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
