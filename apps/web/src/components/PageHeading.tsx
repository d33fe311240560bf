import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A page's h1. It takes focus when the page opens, so that after a client-side navigation
 * keyboard and screen-reader users start at the top of the new page, not on a vanished link.
 */
export function PageHeading({
  children,
  className = '',
  title,
}: {
  children: ReactNode;
  className?: string;
  /** The whole text, for a heading the layout may cut short. */
  title?: string;
}) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} title={title} className={`outline-none ${className}`}>
      {children}
    </h1>
  );
}
