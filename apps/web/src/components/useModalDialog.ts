import { type RefObject, useEffect, useRef } from 'react';

type Options = {
  /** Escape, from anywhere on the page while this is the topmost dialog. */
  onClose(): void;
  /** What takes focus when it opens (the first control inside if not given). */
  initialFocus?: RefObject<HTMLElement | null>;
  /** Where focus goes back when it closes (whatever had focus when it opened if not given). */
  returnFocus?: RefObject<HTMLElement | null>;
};

/** The modal dialogs open now, the topmost last: only that one answers Tab and Escape. */
const openDialogs: HTMLElement[] = [];

const CANDIDATES =
  'a[href], button, input, select, textarea, summary, iframe, [contenteditable]:not([contenteditable="false"]), [tabindex]';

/** The controls Tab reaches inside `root`, in document order. */
export function tabbableIn(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(CANDIDATES)].filter(
    (element) =>
      element.tabIndex >= 0 &&
      !element.matches(':disabled') &&
      !(element instanceof HTMLInputElement && element.type === 'hidden') &&
      !element.closest('[inert]') &&
      isShown(element),
  );
}

/** Laid out and visible (checkVisibility where the browser has it; test DOMs without layout go by `hidden`). */
function isShown(element: HTMLElement): boolean {
  if (typeof element.checkVisibility === 'function') return element.checkVisibility({ visibilityProperty: true });
  return !element.closest('[hidden]');
}

/** Announcements ("Reconnecting…", a new message) still read out while a dialog is open. */
const LIVE_REGIONS = '[aria-live], [role="alert"], [role="status"], [role="log"]';

/**
 * Makes everything outside `dialog` inert: each sibling of the dialog and of each of its ancestors,
 * up to <body>. Live regions stay, as inert would silence them (Tab cannot reach a control in one,
 * which the dialog's Tab handling sees to, nor a click, which the dialog's backdrop takes). Returns
 * how to undo it, touching only what this call changed (so dialogs opened over dialogs nest).
 */
function inertOutside(dialog: HTMLElement): () => void {
  const changed: Element[] = [];
  for (let node: Element = dialog; node.parentElement && node !== document.body; node = node.parentElement) {
    for (const sibling of node.parentElement.children) {
      if (sibling === node || sibling.hasAttribute('inert') || sibling.matches(LIVE_REGIONS)) continue;
      if (sibling instanceof HTMLScriptElement || sibling instanceof HTMLStyleElement) continue;
      sibling.setAttribute('inert', '');
      changed.push(sibling);
    }
  }
  return () => {
    for (const element of changed) element.removeAttribute('inert');
  };
}

/**
 * A modal dialog's keyboard and focus rules while the element `dialog` refers to is mounted (the
 * dialog itself, or a layer holding it and a backdrop that a tap beside it should reach): focus moves in when it opens; Tab and Shift+Tab go round its own controls; everything
 * else on the page is inert (not clickable, focusable, or read out) so nothing typed can land
 * behind it; Escape calls `onClose`; and when it goes, focus goes back where it came from.
 * The dialog needs role="dialog", aria-modal="true" and a name.
 */
export function useModalDialog(dialog: RefObject<HTMLElement | null>, { onClose, initialFocus, returnFocus }: Options) {
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const cameFrom = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const returnTo = returnFocus?.current ?? cameFrom;
    openDialogs.push(element);
    const restore = inertOutside(element);
    (initialFocus?.current ?? tabbableIn(element)[0] ?? element).focus();

    const onKeyDown = (event: KeyboardEvent) => {
      if (openDialogs.at(-1) !== element || event.defaultPrevented) return;
      if (event.key === 'Escape') {
        close.current();
        return;
      }
      if (event.key !== 'Tab') return;
      const controls = tabbableIn(element);
      const first = controls[0];
      const last = controls.at(-1);
      const active = document.activeElement;
      if (!first || !last) {
        event.preventDefault();
        element.focus();
      } else if (!(active instanceof Node) || !element.contains(active)) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      } else if (event.shiftKey && (active === first || active === element)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKeyDown);

    return () => {
      document.removeEventListener('keydown', onKeyDown);
      openDialogs.splice(openDialogs.indexOf(element), 1);
      // Focusable again first: an inert element cannot take focus.
      restore();
      // Unless the person has already put focus somewhere on the page, back to where they were.
      const active = document.activeElement;
      const lost = !active || active === document.body || element.contains(active);
      if (lost && returnTo?.isConnected) returnTo.focus();
    };
    // The dialog is set up once, when it opens; the refs are read at that moment.
  }, [dialog, initialFocus, returnFocus]);
}
