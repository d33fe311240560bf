import { type InputHTMLAttributes, useId } from 'react';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & {
  label: string;
  /** What is wrong with the value, from the server or the form; shown under the field. */
  error?: string | undefined;
  hint?: string;
};

/** A labelled input whose error is tied to it, so a screen reader reads both together. */
export function TextField({ label, error, hint, className, ...input }: Props) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1.5 block text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className={`block w-full rounded-xl border bg-surface px-3.5 py-2.5 text-base text-slate-900 shadow-xs outline-none transition placeholder:text-slate-500 focus-visible:ring-4 ${
          error
            ? 'border-red-500 focus-visible:border-red-500 focus-visible:ring-red-100'
            : 'border-slate-500 focus-visible:border-blue-500 focus-visible:ring-blue-100'
        }`}
        {...input}
      />
      {hint && !error && (
        <p id={hintId} className="mt-1.5 text-sm text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="mt-1.5 text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
