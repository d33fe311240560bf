import type { AutocompleteRequest } from '@tandem/protocol';
import type { AutocompleteProvider } from './index.ts';

/** Context sent around the cursor: enough for a completion, bounded in cost (the service cuts to it). */
const CONTEXT_WINDOW = { before: 4000, after: 1000 } as const;

const SYSTEM_PROMPT =
  'You are a code completion engine. Reply with only the exact text to insert at <CURSOR>, ' +
  'with no explanation and no code fences. Reply with nothing when no completion is useful.';

/** Any OpenAI-compatible chat-completions endpoint (OpenAI, a local server, a proxy). */
export function openAiProvider(options: { baseUrl: string; apiKey: string; model: string }): AutocompleteProvider {
  return {
    name: 'openai',
    window: CONTEXT_WINDOW,
    async suggest({ code, cursorPosition, language }: AutocompleteRequest, signal: AbortSignal) {
      const before = code.slice(Math.max(0, cursorPosition - CONTEXT_WINDOW.before), cursorPosition);
      const after = code.slice(cursorPosition, cursorPosition + CONTEXT_WINDOW.after);
      const response = await fetch(`${options.baseUrl.replace(/\/$/, '')}/chat/completions`, {
        method: 'POST',
        signal,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
        body: JSON.stringify({
          model: options.model,
          temperature: 0,
          max_tokens: 64,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: `Language: ${language}\n\n${before}<CURSOR>${after}` },
          ],
        }),
      });
      if (!response.ok) throw new Error(`completion endpoint answered ${response.status}`);
      const body = (await response.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new Error('completion endpoint sent no text');
      return content.replace(/^```[\w-]*\n?/, '').replace(/\n?```$/, '');
    },
  };
}
