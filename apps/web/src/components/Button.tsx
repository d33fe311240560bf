import type { ButtonHTMLAttributes } from 'react';

const tones = {
  primary: 'bg-blue-600 text-white hover:bg-primary-hover focus-visible:ring-blue-300',
  success: 'bg-success text-white hover:bg-success-hover focus-visible:ring-emerald-300',
  quiet: 'bg-surface text-slate-700 ring-1 ring-slate-300 ring-inset hover:bg-slate-50 focus-visible:ring-blue-300',
} as const;

type Props = ButtonHTMLAttributes<HTMLButtonElement> & { tone?: keyof typeof tones; busy?: boolean };

/**
 * A button. While `busy` it stays focusable and refuses clicks (`aria-disabled`, not `disabled`):
 * a disabled button drops the keyboard focus to the page body, and a person who pressed it would
 * have to find their place again when the request fails.
 */
export function Button({
  tone = 'primary',
  busy = false,
  className = '',
  children,
  disabled,
  onClick,
  ...rest
}: Props) {
  return (
    <button
      type="button"
      disabled={disabled}
      aria-disabled={busy || undefined}
      aria-busy={busy || undefined}
      onClick={(event) => {
        // Also stops the form's submit when Enter in a field clicks the busy submit button.
        if (busy) event.preventDefault();
        else onClick?.(event);
      }}
      className={`inline-flex items-center justify-center gap-2 rounded-xl px-4 py-2.5 text-base font-semibold shadow-xs transition outline-none focus-visible:ring-4 disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:cursor-progress aria-disabled:opacity-60 ${tones[tone]} ${className}`}
      {...rest}
    >
      {busy && (
        <span
          className="size-4 animate-spin rounded-full border-2 border-current border-r-transparent"
          aria-hidden="true"
        />
      )}
      {children}
    </button>
  );
}
