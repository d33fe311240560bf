import { CopyButton } from '../../components/CopyButton.tsx';

/** Copies the room's address, the one thing a pair needs to join (seed 001's `/room/<id>`). */
export function CopyLinkButton() {
  return (
    <CopyButton
      text={location.href}
      copied="Link copied"
      failed="Copy the address from the address bar"
      className="flex h-8 shrink-0 items-center gap-1.5 rounded-full px-2.5 text-xs font-medium text-slate-600 outline-none ring-1 ring-slate-200 ring-inset hover:bg-surface focus-visible:ring-4 focus-visible:ring-blue-300"
    >
      <svg viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
        <path d="M10 14a4 4 0 0 0 5.66 0l3-3a4 4 0 0 0-5.66-5.66l-1 1" strokeLinecap="round" />
        <path d="M14 10a4 4 0 0 0-5.66 0l-3 3a4 4 0 0 0 5.66 5.66l1-1" strokeLinecap="round" />
      </svg>
      <span className="sr-only sm:not-sr-only">Copy link</span>
    </CopyButton>
  );
}
