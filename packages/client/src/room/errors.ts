/** What to tell the person when `error` came: its own message, or `fallback` when it has none. */
export const errorText = (error: unknown, fallback: string): string =>
  error instanceof Error && error.message ? error.message : fallback;
