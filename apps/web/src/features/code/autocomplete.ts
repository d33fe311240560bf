import { ApiError } from '@tandem/client';
import type { AutocompleteResponse, ErrorResponse } from '@tandem/protocol';
import type { SuggestionRequest } from './ghostText.ts';

/**
 * `POST /autocomplete` (seed 001), cancellable: the typed REST client has no abort signal, and a
 * stale suggestion must not even be waited for. Failures are ApiErrors, like every other call.
 */
export async function fetchSuggestion(request: SuggestionRequest, signal: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch('/autocomplete', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ApiError(0, 'network', 'Cannot reach the server for suggestions.', error);
  }
  const json = (await response.json().catch(() => undefined)) as AutocompleteResponse | ErrorResponse | undefined;
  if (!response.ok) {
    const e = (json as ErrorResponse | undefined)?.error;
    throw new ApiError(response.status, e?.code ?? 'internal', e?.message ?? `HTTP ${response.status}`, e?.details);
  }
  return (json as AutocompleteResponse | undefined)?.suggestion ?? '';
}
