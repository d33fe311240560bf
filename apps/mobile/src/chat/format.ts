import type { PublicUser } from '@tandem/protocol';

/** "11:31 AM" in the phone's own locale and time zone. */
export const timeOf = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });

export const displayName = (user: PublicUser) => user.name ?? user.username;

export function typingLine(users: readonly PublicUser[]): string {
  const [first, second] = users;
  if (!first) return '';
  if (!second) return `${displayName(first)} is typing…`;
  if (users.length === 2) return `${displayName(first)} and ${displayName(second)} are typing…`;
  return 'Several people are typing…';
}
