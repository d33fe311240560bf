import type { AutocompleteRequest, AutocompleteResponse } from '@tandem/protocol';
import type { Config } from '../../config.ts';
import { type ContextWindow, windowAround } from './context-window.ts';
import { openAiProvider } from './openai.ts';
import { RULES_WINDOW, suggestByRules } from './rules.ts';

/** Anything that can suggest the text to insert at the cursor. */
export type AutocompleteProvider = {
  name: 'rules' | 'openai';
  /** How much of the document around the cursor it is given (the service cuts the rest off). */
  window: ContextWindow;
  suggest(request: AutocompleteRequest, signal: AbortSignal): Promise<string>;
};

export const rulesProvider: AutocompleteProvider = {
  name: 'rules',
  window: RULES_WINDOW,
  suggest: async ({ code, cursorPosition, language }) => suggestByRules(code, cursorPosition, language),
};

/** A provider's answer to the request cut to its window: no provider ever sees the whole document. */
const ask = (provider: AutocompleteProvider, request: AutocompleteRequest, signal: AbortSignal) =>
  provider.suggest(windowAround(request, provider.window), signal);

type Log = { warn: (obj: object, msg: string) => void };

/**
 * Suggestions from the configured provider; when it fails or is slower than the timeout, the
 * rules answer instead (and say so), so the editor always gets an answer quickly.
 */
export function autocompleteService(options: Config['autocomplete'], log: Log) {
  const provider = options.provider === 'openai' && options.openai ? openAiProvider(options.openai) : rulesProvider;

  return {
    async suggest(request: AutocompleteRequest): Promise<AutocompleteResponse> {
      if (provider === rulesProvider) {
        return {
          suggestion: await ask(rulesProvider, request, AbortSignal.abort()),
          provider: 'rules',
          fallback: false,
        };
      }
      try {
        const suggestion = await ask(provider, request, AbortSignal.timeout(options.timeoutMs));
        return { suggestion, provider: provider.name, fallback: false };
      } catch (error) {
        log.warn({ err: error, provider: provider.name }, 'autocomplete provider failed; rules answered');
        const suggestion = await ask(rulesProvider, request, AbortSignal.abort());
        return { suggestion, provider: 'rules', fallback: true };
      }
    },
  };
}
export type AutocompleteService = ReturnType<typeof autocompleteService>;
