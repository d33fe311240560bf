/** Where the theme choice is remembered (this browser only; nothing goes to the server). */
export const THEME_STORAGE_KEY = 'tandem-theme';
export const DARK_QUERY = '(prefers-color-scheme: dark)';

/**
 * The theme, set on <html> before the page is first painted, so a dark page never flashes white.
 * The Content-Security-Policy allows no inline script, so the build serves this as its own small
 * file under /assets/ (see vite.config.ts), loaded by a blocking <script> in the head. It must stay
 * plain old JavaScript with no imports; theme.ts takes over once the app starts.
 */
export const THEME_SCRIPT = `(function(){var t='light';try{var c=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});t=c==='dark'||(c!=='light'&&matchMedia(${JSON.stringify(DARK_QUERY)}).matches)?'dark':'light'}catch(e){}document.documentElement.setAttribute('data-theme',t)})();`;
