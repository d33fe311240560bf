import { useLocation } from 'react-router';

/** Where to go after signing in: the page that sent the person here, else their rooms. */
export function useReturnTo(): string {
  const from = (useLocation().state as { from?: unknown } | null)?.from;
  // Only an in-app path: never follow a state value somewhere else.
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') ? from : '/lobby';
}
