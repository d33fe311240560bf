const shape = (
  <>
    <rect x="5" y="11" width="14" height="9" rx="2" />
    <path d="M8 11V8a4 4 0 0 1 8 0v3" strokeLinecap="round" />
  </>
);

/** Marks an end-to-end encrypted room (list, header); `decorative` when words next to it say so. */
export function LockIcon({ className = 'size-4', decorative = false }: { className?: string; decorative?: boolean }) {
  const classes = `shrink-0 text-emerald-700 ${className}`;
  if (decorative) {
    return (
      <svg viewBox="0 0 24 24" className={classes} fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
        {shape}
      </svg>
    );
  }
  return (
    <svg
      viewBox="0 0 24 24"
      className={classes}
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      role="img"
      aria-label="End-to-end encrypted"
    >
      <title>End-to-end encrypted</title>
      {shape}
    </svg>
  );
}
