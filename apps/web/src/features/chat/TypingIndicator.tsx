import type { PublicUser } from '@tandem/protocol';
import { displayName } from '../auth/authSlice.ts';

export function typingText(users: PublicUser[]): string {
  const names = users.map(displayName);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** "alice is typing…" for the others (never you). It keeps its height so the list does not jump. */
export function TypingIndicator({ users }: { users: PublicUser[] }) {
  return (
    <div className="mx-auto flex h-6 w-full max-w-3xl items-center gap-2 px-4 text-xs text-slate-500">
      {users.length > 0 && (
        <>
          <span className="flex gap-0.5" aria-hidden="true">
            <span className="size-1.5 animate-bounce rounded-full bg-slate-400 [animation-delay:-0.3s]" />
            <span className="size-1.5 animate-bounce rounded-full bg-slate-400 [animation-delay:-0.15s]" />
            <span className="size-1.5 animate-bounce rounded-full bg-slate-400" />
          </span>
          <span>{typingText(users)}</span>
        </>
      )}
    </div>
  );
}
