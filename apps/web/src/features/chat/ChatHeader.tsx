import type { ReactNode, Ref } from 'react';
import { BackLink } from '../../components/BackLink.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { plural } from '../../lib/format.ts';
import { LockIcon } from '../e2e/LockIcon.tsx';

type Props = {
  title: string;
  subtitle?: string;
  onlineCount?: number;
  peopleOpen?: boolean;
  peopleButtonRef?: Ref<HTMLButtonElement>;
  onTogglePeople?: () => void;
  /** Once the room is known: whether it is end-to-end encrypted, said in words under its name. */
  encrypted?: boolean;
  actions?: ReactNode;
};

/** Seed 000's header: a back arrow and the room's name; on small screens, a button for the people. */
export function ChatHeader({
  title,
  subtitle,
  onlineCount,
  peopleOpen,
  peopleButtonRef,
  onTogglePeople,
  encrypted,
  actions,
}: Props) {
  return (
    <header className="flex h-14 shrink-0 items-center gap-1 border-b border-slate-200 bg-surface px-1.5 sm:px-3">
      <BackLink />
      <div className="min-w-0 flex-1">
        <PageHeading className="truncate text-[17px] leading-tight font-semibold text-slate-900">{title}</PageHeading>
        {(subtitle || encrypted !== undefined) && (
          <p className="flex min-w-0 items-center gap-1 text-xs text-slate-500">
            {encrypted !== undefined && <RoomKind encrypted={encrypted} />}
            {/* On a phone the people button carries the count; the kind of room is what must show. */}
            {encrypted !== undefined && subtitle && (
              <span aria-hidden="true" className="hidden sm:inline">
                ·
              </span>
            )}
            {subtitle && (
              <span className={`truncate ${encrypted !== undefined ? 'hidden sm:inline' : ''}`}>{subtitle}</span>
            )}
          </p>
        )}
      </div>
      {actions}
      {onTogglePeople && onlineCount !== undefined && (
        <button
          ref={peopleButtonRef}
          type="button"
          onClick={onTogglePeople}
          aria-haspopup="dialog"
          aria-expanded={peopleOpen}
          aria-controls="people-panel"
          aria-label={`People, ${plural(onlineCount, 'person', 'people')} online`}
          className="flex h-11 items-center gap-1.5 rounded-full px-3 text-sm font-medium text-slate-700 outline-none hover:bg-slate-100 focus-visible:ring-4 focus-visible:ring-blue-300 lg:hidden"
        >
          <svg
            viewBox="0 0 24 24"
            className="size-5"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.8"
            aria-hidden="true"
          >
            <circle cx="9" cy="8" r="3.25" />
            <path d="M3 19c.6-3.2 3-5 6-5s5.4 1.8 6 5" strokeLinecap="round" />
            <path d="M16 5.2a3 3 0 0 1 0 5.6M18 14.2c1.6.6 2.7 2.3 3 4.8" strokeLinecap="round" />
          </svg>
          {onlineCount}
        </button>
      )}
    </header>
  );
}

/** The same words as the phone app's header: encrypted or not, never left to guess. */
function RoomKind({ encrypted }: { encrypted: boolean }) {
  return encrypted ? (
    <span className="flex shrink-0 items-center gap-1 font-medium text-emerald-700">
      <LockIcon decorative className="size-3.5" />
      End-to-end encrypted
    </span>
  ) : (
    <span className="shrink-0">Not end-to-end encrypted</span>
  );
}
