import { ApiError } from '@tandem/client';

/** A sentence a person can act on, for any failure. */
export function errorMessage(error: unknown, serverUrl?: string): string {
  if (error instanceof ApiError) {
    if (error.code === 'network') {
      return serverUrl
        ? `Cannot reach Tandem at ${serverUrl}. Check that the server is running and this phone is on the same network.`
        : error.message;
    }
    if (error.status === 429) return 'Too many attempts. Wait a minute and try again.';
    return error.message;
  }
  return 'Something went wrong. Try again.';
}

/** The first problem of a failed schema check, as "Username must be at least 2 characters". */
export function firstIssue(error: { issues: ReadonlyArray<{ message: string }> }, label: string): string {
  const issue = error.issues[0];
  return issue ? `${label} ${issue.message}` : `${label} is not valid`;
}
