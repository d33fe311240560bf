import { typingLine } from '@tandem/client';
import type { PublicUser } from '@tandem/protocol';

/** "alice is typing…" for the others (never you). It keeps its height so the list does not jump. */
export function TypingIndicator({ users }: { users: readonly PublicUser[] }) {
  return (
    // Its own layout (`contain: strict`): the line coming and going lays out nothing else.
    <div className="mx-auto flex h-6 w-full max-w-3xl items-center gap-2 px-4 text-xs text-slate-500 [contain:strict]">
      {users.length > 0 && (
        <>
          <span className="flex gap-0.5" aria-hidden="true">
            <span className="size-1.5 animate-bounce rounded-full bg-slate-400 [animation-delay:-0.3s]" />
            <span className="size-1.5 animate-bounce rounded-full bg-slate-400 [animation-delay:-0.15s]" />
            <span className="size-1.5 animate-bounce rounded-full bg-slate-400" />
          </span>
          <span>{typingLine(users)}</span>
        </>
      )}
    </div>
  );
}
