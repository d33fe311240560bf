import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { errorMessage } from '../../app/errors.ts';
import { Button } from '../../components/Button.tsx';

type Props = {
  heading: string;
  label: string;
  action: string;
  tone: 'primary' | 'success';
  busy: boolean;
  error: unknown;
  onSubmit(name: string): void;
  /** Options shown above the button (e.g. the end-to-end switch). */
  children?: ReactNode;
};

/**
 * One of the front page's two forms (seed 000): a heading, a room name field with its label
 * above it, and a coloured button. The server's error is shown under the field.
 */
export function RoomNameForm({ heading, label, action, tone, busy, error, onSubmit, children }: Props) {
  const id = useId();
  const [name, setName] = useState('');
  // An empty name is refused here, in words, without asking the server.
  const [blank, setBlank] = useState(false);
  const message = blank ? 'Enter a room name.' : errorMessage(error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const empty = name.trim() === '';
    setBlank(empty);
    if (!empty) onSubmit(name);
  };
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="text-lg font-semibold text-slate-900">
        {heading}
      </h2>
      <form onSubmit={submit} className="mt-3 space-y-3" noValidate>
        <div>
          <label htmlFor={`${id}-name`} className="mb-1.5 block text-sm font-medium text-slate-700">
            {label}
          </label>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setBlank(false);
            }}
            autoComplete="off"
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? `${id}-error` : undefined}
            className={`block w-full rounded-xl border bg-surface px-3.5 py-2.5 text-base shadow-xs outline-none transition focus-visible:ring-4 ${
              message
                ? 'border-red-500 focus-visible:ring-red-100'
                : 'border-slate-500 focus-visible:border-blue-500 focus-visible:ring-blue-100'
            }`}
          />
        </div>
        <div role="alert">
          {message && (
            <p id={`${id}-error`} className="text-sm text-red-700">
              {message}
            </p>
          )}
        </div>
        {children}
        <Button type="submit" tone={tone} busy={busy} className="w-full">
          {action}
        </Button>
      </form>
    </section>
  );
}
