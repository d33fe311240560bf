import { useSyncExternalStore } from 'react';
import { DARK_QUERY, THEME_STORAGE_KEY } from './themeScript.ts';

/** What a person picked in the theme switch; "system" follows the device's light or dark setting. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
/** The browser's toolbar colour on phones, matching the page. */
const THEME_COLORS: Record<Theme, string> = { light: '#ffffff', dark: '#0f172b' };

export function isThemeChoice(value: unknown): value is ThemeChoice {
  return value === 'system' || value === 'light' || value === 'dark';
}

export function resolveTheme(choice: ThemeChoice, systemPrefersDark: boolean): Theme {
  if (choice === 'system') return systemPrefersDark ? 'dark' : 'light';
  return choice;
}

function readChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(THEME_STORAGE_KEY);
    return isThemeChoice(stored) ? stored : 'system';
  } catch {
    // Storage can be off (privacy settings): the device's setting is still followed.
    return 'system';
  }
}

function systemPrefersDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(DARK_QUERY).matches;
}

/** Puts the theme on <html> (what the `dark:` variant and the dark palette in index.css key on). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  root.dataset.theme = theme;
  root.ownerDocument.querySelector('meta[name="theme-color"]')?.setAttribute('content', THEME_COLORS[theme]);
}

let current: ThemeChoice = 'system';
const listeners = new Set<() => void>();

function update() {
  applyTheme(resolveTheme(current, systemPrefersDark()));
  for (const listener of listeners) listener();
}

/**
 * Reads the remembered choice, applies it, and keeps following it: the device switching between
 * light and dark (for "system"), and the choice changed in another tab. Called once, before the
 * first render; the theme script in index.html has already set the same theme before the first paint.
 */
export function startTheme(): void {
  current = readChoice();
  update();
  if (typeof window.matchMedia === 'function') window.matchMedia(DARK_QUERY).addEventListener('change', update);
  window.addEventListener('storage', (event) => {
    if (event.key !== THEME_STORAGE_KEY) return;
    current = readChoice();
    update();
  });
}

export function setThemeChoice(choice: ThemeChoice): void {
  current = choice;
  try {
    if (choice === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
    else localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Not remembered, but applied for this visit.
  }
  update();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current choice, re-rendering when it changes. */
export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(subscribe, () => current);
}
