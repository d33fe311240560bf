/** Marks an end-to-end encrypted room (list, header). */
export function LockIcon({ className = 'size-4' }: { className?: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      className={`shrink-0 text-emerald-600 ${className}`}
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      role="img"
      aria-label="End-to-end encrypted"
    >
      <title>End-to-end encrypted</title>
      <rect x="5" y="11" width="14" height="9" rx="2" />
      <path d="M8 11V8a4 4 0 0 1 8 0v3" strokeLinecap="round" />
    </svg>
  );
}
