import { type ReactNode, useEffect, useState } from 'react';

/**
 * Copies `text` to the clipboard and says how that went in a status line next to the button
 * (cleared after a moment).
 */
export function CopyButton({
  text,
  copied,
  failed,
  className,
  children,
}: {
  text: string;
  /** Said once copied. */
  copied: string;
  /** Said when the clipboard refused. */
  failed: string;
  className: string;
  children: ReactNode;
}) {
  const [result, setResult] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (!result) return;
    const timer = setTimeout(() => setResult(null), 2500);
    return () => clearTimeout(timer);
  }, [result]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setResult('copied');
    } catch {
      setResult('failed');
    }
  };
  return (
    <>
      <button type="button" onClick={copy} className={className}>
        {children}
      </button>
      <span role="status" className={result ? 'text-xs text-slate-600' : 'sr-only'}>
        {result === 'copied' ? copied : result === 'failed' ? failed : ''}
      </span>
    </>
  );
}
