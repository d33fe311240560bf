import { afterEach, describe, expect, it } from 'vitest';
import { applyTheme, resolveTheme, setThemeChoice, startTheme } from './theme.ts';
import { THEME_SCRIPT, THEME_STORAGE_KEY } from './themeScript.ts';

afterEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset.theme;
});

describe('theme', () => {
  it('follows the device for "system", else the choice', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
    expect(resolveTheme('light', true)).toBe('light');
  });

  it('remembers a choice, forgets "system", and puts the theme on <html>', () => {
    startTheme();
    setThemeChoice('dark');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    setThemeChoice('system');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
    // jsdom has no matchMedia: the device counts as light.
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('sets the toolbar colour with the theme', () => {
    const meta = document.createElement('meta');
    meta.name = 'theme-color';
    document.head.append(meta);
    applyTheme('dark');
    expect(meta.content).not.toBe('#ffffff');
    applyTheme('light');
    expect(meta.content).toBe('#ffffff');
    meta.remove();
  });

  it('the script before the first paint reads the same remembered choice', () => {
    localStorage.setItem(THEME_STORAGE_KEY, 'dark');
    new Function(THEME_SCRIPT)();
    expect(document.documentElement.dataset.theme).toBe('dark');
    localStorage.setItem(THEME_STORAGE_KEY, 'light');
    new Function(THEME_SCRIPT)();
    expect(document.documentElement.dataset.theme).toBe('light');
  });
});
