import type { AutocompleteRequest } from '@tandem/protocol';

/** How much of a document a provider may see: UTF-16 code units before the cursor and after it. */
export type ContextWindow = { readonly before: number; readonly after: number };

/**
 * The request cut down to the window around its cursor, the cursor moved to match. Every provider
 * is handed this, never the whole document (up to 100 KB): what a provider costs is bounded by
 * its window, not by what a client sends.
 */
export function windowAround(request: AutocompleteRequest, window: ContextWindow): AutocompleteRequest {
  const cursor = Math.min(Math.max(0, request.cursorPosition), request.code.length);
  const start = Math.max(0, cursor - window.before);
  const end = Math.min(request.code.length, cursor + window.after);
  if (start === 0 && end === request.code.length && cursor === request.cursorPosition) return request;
  return { ...request, code: request.code.slice(start, end), cursorPosition: cursor - start };
}
