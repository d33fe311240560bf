import type { Member, PublicUser } from '@tandem/protocol';
import { type ReactNode, type RefObject, useId, useRef } from 'react';
import { Avatar } from '../../components/Avatar.tsx';
import { useModalDialog } from '../../components/useModalDialog.ts';
import { displayName } from '../auth/authSlice.ts';

export type Person = { user: PublicUser; online: boolean };

/** Members (from the server) and whoever is present (from the socket), online first, then by name. */
export function people(members: readonly Member[], present: readonly PublicUser[]): Person[] {
  const online = new Set(present.map((u) => u.id));
  const byId = new Map<string, PublicUser>(members.map((m) => [m.user.id, m.user]));
  for (const user of present) byId.set(user.id, user);
  return [...byId.values()]
    .map((user) => ({ user, online: online.has(user.id) }))
    .sort((a, b) => Number(b.online) - Number(a.online) || displayName(a.user).localeCompare(displayName(b.user)));
}

export function PeopleList({
  people,
  myId,
  safetyCodes,
}: {
  people: Person[];
  myId: string;
  /** Encrypted rooms: per member, the code(s) to compare with them out of band (one per device). */
  safetyCodes?: ReadonlyMap<string, string[]>;
}) {
  return (
    <ul className="space-y-1">
      {people.map(({ user, online }) => (
        <li key={user.id} className="flex items-center gap-3 rounded-xl px-2 py-1.5">
          <span className="relative">
            <Avatar name={displayName(user)} seed={user.id} className="size-9 text-xs" />
            <span
              className={`absolute -right-0.5 -bottom-0.5 size-3 rounded-full ring-2 ring-white ${online ? 'bg-emerald-500' : 'bg-slate-300'}`}
              aria-hidden="true"
            />
          </span>
          <span className="min-w-0 flex-1">
            <span className="block truncate text-sm font-medium text-slate-900">
              {displayName(user)}
              {user.id === myId && <span className="font-normal text-slate-500"> (you)</span>}
            </span>
            <span className={`block text-xs ${online ? 'text-emerald-700' : 'text-slate-500'}`}>
              {online ? 'Online' : 'Offline'}
              {user.guest && ' · guest'}
            </span>
            {user.id !== myId &&
              safetyCodes?.get(user.id)?.map((code) => (
                <details key={code} className="mt-1 text-xs text-slate-600">
                  <summary className="cursor-pointer select-none">
                    Safety code<span className="sr-only"> with {displayName(user)}</span>
                  </summary>
                  <code className="mt-1 block font-mono leading-5 break-words">{code}</code>
                </details>
              ))}
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * The people on a narrow screen: a sheet from the side, as a modal dialog. Focus moves in (to
 * Close) when it opens and stays inside, the conversation behind is inert, and Escape, Close or
 * a tap beside it closes it, giving focus back to the button that opened it.
 */
export function PeopleSheet({
  id,
  title,
  subtitle,
  opener,
  onClose,
  children,
}: {
  id: string;
  title: string;
  subtitle: string;
  /** The button that opened it, which gets the focus back. */
  opener: RefObject<HTMLElement | null>;
  onClose(): void;
  children: ReactNode;
}) {
  const titleId = useId();
  // The sheet with its backdrop: the rest of the page goes inert, the backdrop stays tappable.
  const layer = useRef<HTMLDivElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useModalDialog(layer, { onClose, initialFocus: close, returnFocus: opener });
  return (
    <div ref={layer} className="fixed inset-0 z-30 flex justify-end">
      <button
        type="button"
        aria-hidden="true"
        tabIndex={-1}
        onClick={onClose}
        className="absolute inset-0 bg-slate-900/30"
      />
      <section
        id={id}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        // A strip of the conversation stays in sight on a phone, to tap to close.
        className="relative flex h-full w-[min(20rem,85vw)] flex-col bg-white shadow-xl"
      >
        <div className="flex h-14 shrink-0 items-center justify-between gap-2 border-b border-slate-200 pr-2 pl-4">
          <div className="min-w-0">
            <h2 id={titleId} className="truncate text-[17px] leading-tight font-semibold text-slate-900">
              {title}
            </h2>
            <p className="truncate text-xs text-slate-500">{subtitle}</p>
          </div>
          <button
            ref={close}
            type="button"
            onClick={onClose}
            className="shrink-0 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 outline-none hover:bg-slate-100 focus-visible:ring-4 focus-visible:ring-blue-300"
          >
            Close
          </button>
        </div>
        <div className="min-h-0 flex-1 overflow-y-auto p-4 pb-[max(1rem,env(safe-area-inset-bottom))]">{children}</div>
      </section>
    </div>
  );
}
