import { useId } from 'react';
import { isThemeChoice, setThemeChoice, THEME_CHOICES, type ThemeChoice, useThemeChoice } from './theme.ts';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/** Light, dark, or the device's setting; remembered in this browser. */
export function ThemeSelect() {
  const id = useId();
  const choice = useThemeChoice();
  return (
    <div className="flex items-center gap-1.5">
      <label htmlFor={id} className="flex items-center gap-1 text-slate-600">
        {/* Half a sun, half a moon: on a phone the icon is the visible label, the word is read out. */}
        <svg
          viewBox="0 0 24 24"
          className="size-5"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.8"
          aria-hidden="true"
        >
          <circle cx="12" cy="12" r="8" />
          <path d="M12 4a8 8 0 0 1 0 16z" fill="currentColor" />
        </svg>
        <span className="sr-only sm:not-sr-only">Theme</span>
      </label>
      <select
        id={id}
        value={choice}
        onChange={(event) => {
          if (isThemeChoice(event.target.value)) setThemeChoice(event.target.value);
        }}
        className="h-9 rounded-lg border border-slate-500 bg-surface px-2 text-sm font-medium text-slate-800 outline-none focus-visible:border-blue-500 focus-visible:ring-4 focus-visible:ring-blue-300"
      >
        {THEME_CHOICES.map((value) => (
          <option key={value} value={value}>
            {LABELS[value]}
          </option>
        ))}
      </select>
    </div>
  );
}
