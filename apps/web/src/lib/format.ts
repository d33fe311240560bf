import { dayKey } from '@tandem/client';

/**
 * Times and days in the reader's own locale and time zone (Intl), e.g. "11:31 AM" in en-US
 * and "11:31" in de-DE. `locale` is only passed by tests.
 */
export function formatTime(iso: string, locale?: string): string {
  return formatter(
    locale,
    'time',
    () => new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }),
  ).format(new Date(iso));
}

/**
 * One formatter per locale and kind, made once: making an `Intl` formatter costs far more than
 * using it, and a long room formats a time for every row it draws (it showed in the web bench).
 */
const formatters = new Map<string, { format(value: Date): string }>();
function formatter<F extends { format(value: Date): string }>(
  locale: string | undefined,
  kind: string,
  make: () => F,
): F {
  const key = `${locale ?? ''}|${kind}`;
  let made = formatters.get(key) as F | undefined;
  if (!made) {
    made = make();
    formatters.set(key, made);
  }
  return made;
}

const DAY_MS = 86_400_000;
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** "Today", "Yesterday", or the date ("Friday, November 20"; with the year when it is not this year's). */
export function formatDay(iso: string, now = new Date(), locale?: string): string {
  const date = new Date(iso);
  const days = Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
  if (days === 0 || days === 1) {
    let relative = relativeFormats.get(locale ?? '');
    if (!relative) {
      relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
      relativeFormats.set(locale ?? '', relative);
    }
    return capitalize(relative.format(-days, 'day'));
  }
  const thisYear = date.getFullYear() === now.getFullYear();
  return formatter(
    locale,
    thisYear ? 'day' : 'day-year',
    () =>
      new Intl.DateTimeFormat(locale, {
        weekday: 'long',
        month: 'long',
        day: 'numeric',
        ...(thisYear ? {} : { year: 'numeric' }),
      }),
  ).format(date);
}

/** When something last happened: the time today, else a short date. */
export function formatWhen(iso: string, now = new Date(), locale?: string): string {
  if (dayKey(iso) === startOfDay(now)) return formatTime(iso, locale);
  return formatter(
    locale,
    'short-day',
    () => new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' }),
  ).format(new Date(iso));
}

function capitalize(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** "1 message", "2 messages". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
