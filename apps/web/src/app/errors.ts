import { ApiError, RealtimeError } from '@tandem/client';

/**
 * A failed call as the UI shows it. Plain data, so it can live in the store (ApiError is a class).
 * `fields` maps a form field (`username`, `name`…) to what is wrong with it.
 */
export type AppError = { status: number; code: string; message: string; fields: Record<string, string> };

type Details = { field?: string; issues?: Array<{ path: string; message: string }> } | undefined;

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** `body.roomName`, `must not be empty` → "Room name must not be empty." (the last path part, in words). */
function sentence(path: string, problem: string): string {
  const field = (path.split('.').at(-1) ?? '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const text = field && !/^\d+$/.test(field) ? `${field} ${problem}` : problem;
  return `${capitalize(text).replace(/[.\s]+$/, '')}.`;
}

export function toAppError(error: unknown): AppError {
  if (error instanceof ApiError) {
    const details = error.details as Details;
    const fields: Record<string, string> = {};
    // Validation issues name `body.<field>`; the form only knows `<field>`.
    for (const issue of details?.issues ?? []) {
      const field = issue.path.split('.').slice(1).join('.');
      if (field && !fields[field]) fields[field] = capitalize(issue.message);
    }
    if (details?.field) fields[details.field] = error.message;
    // The server's own message for a validation failure lists raw paths ("body.name: must not be
    // empty; body.name: …"); a person reads the first issue as a sentence instead.
    const first = details?.issues?.[0];
    const message = first ? sentence(first.path, first.message) : error.message;
    return { status: error.status, code: error.code, message, fields };
  }
  if (error instanceof RealtimeError) return { status: 0, code: error.code, message: error.message, fields: {} };
  // Anything else (a proxy's HTML error page, a bug) must still reach the person in words.
  const message = error instanceof Error && error.message ? error.message : 'Something went wrong. Try again.';
  return { status: 0, code: 'unexpected', message: `Unexpected answer from the server: ${message}`, fields: {} };
}

/** Runs a REST call for an RTK Query `queryFn`: data on success, an AppError on failure. */
export async function settle<T>(call: Promise<T>): Promise<{ data: T } | { error: AppError }> {
  try {
    return { data: await call };
  } catch (error) {
    return { error: toAppError(error) };
  }
}

/** The error RTK Query hands back, in words (it is an AppError unless something else threw). */
export function errorMessage(error: unknown): string | undefined {
  if (!error) return undefined;
  if (typeof error === 'object' && 'message' in error && typeof error.message === 'string') return error.message;
  return 'Something went wrong. Try again.';
}

export function fieldErrors(error: unknown): Record<string, string> {
  return error && typeof error === 'object' && 'fields' in error ? (error.fields as Record<string, string>) : {};
}
