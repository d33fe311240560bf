import type { AutocompleteRequest, AutocompleteResponse } from '@tandem/protocol';
import type { Config } from '../../config.ts';
import { openAiProvider } from './openai.ts';
import { suggestByRules } from './rules.ts';

/** Anything that can suggest the text to insert at the cursor. */
export type AutocompleteProvider = {
  name: 'rules' | 'openai';
  suggest(request: AutocompleteRequest, signal: AbortSignal): Promise<string>;
};

export const rulesProvider: AutocompleteProvider = {
  name: 'rules',
  suggest: async ({ code, cursorPosition, language }) => suggestByRules(code, cursorPosition, language),
};

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
          suggestion: await rulesProvider.suggest(request, AbortSignal.abort()),
          provider: 'rules',
          fallback: false,
        };
      }
      try {
        const suggestion = await provider.suggest(request, AbortSignal.timeout(options.timeoutMs));
        return { suggestion, provider: provider.name, fallback: false };
      } catch (error) {
        log.warn({ err: error, provider: provider.name }, 'autocomplete provider failed; rules answered');
        const suggestion = await rulesProvider.suggest(request, AbortSignal.abort());
        return { suggestion, provider: 'rules', fallback: true };
      }
    },
  };
}
export type AutocompleteService = ReturnType<typeof autocompleteService>;
