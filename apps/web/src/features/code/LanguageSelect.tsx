import { useId } from 'react';
import { LANGUAGES, type Language, toLanguage } from './languages.ts';

type Props = { value: Language; onChange(language: Language): void; disabled?: boolean };

/** The room's language: one setting shared by everyone in the room. */
export function LanguageSelect({ value, onChange, disabled }: Props) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="sr-only sm:not-sr-only sm:text-sm sm:text-slate-600">
        Language
      </label>
      <select
        id={id}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(toLanguage(e.target.value))}
        className="h-9 w-[7.25rem] rounded-lg border border-slate-500 bg-surface pr-8 pl-2.5 text-sm font-medium text-slate-800 outline-none focus-visible:border-blue-500 focus-visible:ring-4 focus-visible:ring-blue-100 disabled:opacity-60"
      >
        {LANGUAGES.map((language) => (
          <option key={language.id} value={language.id}>
            {language.label}
          </option>
        ))}
      </select>
    </div>
  );
}
