import { type ReactNode, type RefObject, useId, useRef } from 'react';
import { useModalDialog } from './useModalDialog.ts';

type Props = {
  id: string;
  title: string;
  subtitle?: string;
  /** The button that opened it: focus goes back there when it closes. */
  opener: RefObject<HTMLElement | null>;
  onClose(): void;
  /** Its width (it takes the screen's height). */
  className: string;
  children: ReactNode;
};

/**
 * A panel over the page from the right, as a modal dialog (useModalDialog): focus starts on its
 * Close button and stays inside, the page behind is inert, and Escape, Close or a tap on the dimmed
 * page beside it closes it. Used on narrow screens for what sits beside the page on wide ones.
 */
export function SideSheet({ id, title, subtitle, opener, onClose, className, children }: Props) {
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
        className={`relative flex h-full flex-col bg-surface shadow-xl ${className}`}
      >
        <div className="flex h-14 shrink-0 items-center justify-between gap-2 border-b border-slate-200 pr-2 pl-4">
          <div className="min-w-0">
            <h2 id={titleId} className="truncate text-[17px] leading-tight font-semibold text-slate-900">
              {title}
            </h2>
            {subtitle && <p className="truncate text-xs text-slate-500">{subtitle}</p>}
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
        {children}
      </section>
    </div>
  );
}
