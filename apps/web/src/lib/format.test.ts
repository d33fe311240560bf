import { describe, expect, it } from 'vitest';
import { formatDay, formatTime, plural } from './format.ts';

describe('formatTime', () => {
  it('writes the time as the reader’s locale does', () => {
    const at = new Date(2026, 10, 21, 11, 31).toISOString();
    expect(formatTime(at, 'en-US')).toBe('11:31 AM');
    expect(formatTime(at, 'de-DE')).toBe('11:31');
  });
});

describe('formatDay', () => {
  const now = new Date(2026, 10, 21, 9, 0);
  it('says Today and Yesterday for the last two days', () => {
    expect(formatDay(new Date(2026, 10, 21, 0, 5).toISOString(), now, 'en-US')).toBe('Today');
    expect(formatDay(new Date(2026, 10, 20, 23, 55).toISOString(), now, 'en-US')).toBe('Yesterday');
  });
  it('names older days, with the year only when it is another year', () => {
    expect(formatDay(new Date(2026, 10, 18, 12).toISOString(), now, 'en-US')).toBe('Wednesday, November 18');
    expect(formatDay(new Date(2025, 0, 2, 12).toISOString(), now, 'en-US')).toBe('Thursday, January 2, 2025');
  });
});

describe('plural', () => {
  it('counts in words', () => {
    expect(plural(1, 'message')).toBe('1 message');
    expect(plural(2, 'message')).toBe('2 messages');
    expect(plural(3, 'person', 'people')).toBe('3 people');
  });
});
