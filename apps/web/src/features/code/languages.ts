import { javascript } from '@codemirror/lang-javascript';
import { python } from '@codemirror/lang-python';
import type { Extension } from '@codemirror/state';
import type { Language } from '@tandem/protocol';
import { CODE_DEFAULT_LANGUAGE } from '@tandem/protocol/constants';

export type { Language };

/** The languages a code room can be in, in the selector's order. */
export const LANGUAGES: ReadonlyArray<{ id: Language; label: string }> = [
  { id: 'python', label: 'Python' },
  { id: 'javascript', label: 'JavaScript' },
  { id: 'typescript', label: 'TypeScript' },
];

/** The server seeds every room in Python; anything unknown in the shared map reads as that. */
export const DEFAULT_LANGUAGE: Language = CODE_DEFAULT_LANGUAGE;

export function toLanguage(value: unknown): Language {
  return LANGUAGES.some((l) => l.id === value) ? (value as Language) : DEFAULT_LANGUAGE;
}

/** Syntax highlighting (and language-aware indentation) for the editor. */
export function languageSupport(language: Language): Extension {
  switch (language) {
    case 'javascript':
      return javascript();
    case 'typescript':
      return javascript({ typescript: true });
    default:
      return python();
  }
}
