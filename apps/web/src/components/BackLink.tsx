import { Link } from 'react-router';

/** The header's back arrow, to the lobby. */
export function BackLink() {
  return (
    <Link
      to="/lobby"
      aria-label="Back"
      className="flex size-11 shrink-0 items-center justify-center rounded-full text-slate-700 outline-none hover:bg-slate-100 focus-visible:ring-4 focus-visible:ring-blue-300"
    >
      <svg viewBox="0 0 24 24" className="size-6" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
        <path d="M15 5l-7 7 7 7" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
    </Link>
  );
}
