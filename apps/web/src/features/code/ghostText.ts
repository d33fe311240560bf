import {
  Annotation,
  type EditorState,
  type Extension,
  Prec,
  StateEffect,
  StateField,
  type Transaction,
} from '@codemirror/state';
import {
  Decoration,
  type DecorationSet,
  EditorView,
  keymap,
  ViewPlugin,
  type ViewUpdate,
  WidgetType,
} from '@codemirror/view';
import { ySyncAnnotation } from 'y-codemirror.next';
import type { Language } from './languages.ts';

/** What the editor asks for: seed 001's `POST /autocomplete` body. */
export type SuggestionRequest = { code: string; cursorPosition: number; language: Language };

export type GhostTextConfig = {
  /** Asks for a suggestion; must give up when `signal` aborts. An empty string means "nothing". */
  fetchSuggestion(request: SuggestionRequest, signal: AbortSignal): Promise<string>;
  /** The room's language at the moment of asking. */
  language(): Language;
  /** Quiet time after the last local keystroke before asking (seed 001: ~600 ms). */
  delayMs?: number;
  /** Touch screens have no Tab key: the suggestion carries an "Accept" button. */
  touch?: boolean;
  /** A request that failed (not one that was cancelled), to be shown in words. */
  onError?(error: unknown): void;
  /** The suggestion on screen changed (null: none): for a live region and the status line. */
  onChange?(suggestion: string | null): void;
};

/** A suggestion shown at `pos`: never part of the document until accepted. */
export type Ghost = { pos: number; text: string };

const showGhost = StateEffect.define<Ghost>();
const clearGhost = StateEffect.define<null>();
/** Marks the transaction that accepts a suggestion: a local edit, but not a keystroke to answer. */
const acceptedGhost = Annotation.define<boolean>();

/** Changes that arrived from the others (or from undo, which y-codemirror applies the same way). */
const isRemote = (tr: Transaction) => tr.annotation(ySyncAnnotation) !== undefined;

export const ghostField = StateField.define<Ghost | null>({
  create: () => null,
  update(ghost, tr) {
    for (const effect of tr.effects) {
      if (effect.is(showGhost)) return effect.value;
      if (effect.is(clearGhost)) return null;
    }
    if (!ghost) return null;
    if (tr.docChanged) {
      // Any typing of one's own dismisses it; the others' edits elsewhere only move it.
      if (!isRemote(tr) || tr.changes.touchesRange(ghost.pos)) return null;
      ghost = { pos: tr.changes.mapPos(ghost.pos), text: ghost.text };
    }
    // The cursor went somewhere else: the suggestion no longer belongs where it is.
    if (tr.selection) {
      const main = tr.newSelection.main;
      if (!main.empty || main.head !== ghost.pos) return null;
    }
    return ghost;
  },
});

/** The suggestion on screen, if any. */
export const currentGhost = (state: EditorState): Ghost | null => state.field(ghostField, false) ?? null;

/** Inserts the suggestion as an ordinary local edit (so the others get it and undo can take it back). */
export function acceptGhost(view: EditorView): boolean {
  const ghost = currentGhost(view.state);
  if (!ghost) return false;
  view.dispatch({
    changes: { from: ghost.pos, insert: ghost.text },
    selection: { anchor: ghost.pos + ghost.text.length },
    effects: clearGhost.of(null),
    annotations: acceptedGhost.of(true),
    userEvent: 'input.complete',
    scrollIntoView: true,
  });
  return true;
}

/** Hides the suggestion. False when there was none, so Escape keeps its other uses. */
export function dismissGhost(view: EditorView): boolean {
  if (!currentGhost(view.state)) return false;
  view.dispatch({ effects: clearGhost.of(null) });
  return true;
}

class GhostWidget extends WidgetType {
  readonly text: string;
  readonly touch: boolean;

  constructor(text: string, touch: boolean) {
    super();
    this.text = text;
    this.touch = touch;
  }

  override eq(other: GhostWidget) {
    return other.text === this.text && other.touch === this.touch;
  }

  override toDOM(view: EditorView) {
    const wrap = document.createElement('span');
    wrap.className = 'cm-ghostText';
    const text = document.createElement('span');
    text.className = 'cm-ghostText-text';
    text.textContent = this.text;
    // Read out through the page's live region instead; the greyed text itself is decoration.
    text.setAttribute('aria-hidden', 'true');
    wrap.append(text);
    if (this.touch) {
      const accept = document.createElement('button');
      accept.type = 'button';
      accept.className = 'cm-ghostAccept';
      accept.textContent = 'Accept';
      accept.setAttribute('aria-label', 'Accept suggestion');
      // Keep the editor's focus (and its on-screen keyboard) where it is.
      accept.addEventListener('mousedown', (event) => event.preventDefault());
      accept.addEventListener('click', (event) => {
        event.preventDefault();
        acceptGhost(view);
        view.focus();
      });
      wrap.append(accept);
    }
    return wrap;
  }

  override ignoreEvent() {
    // The Accept button handles its own clicks; the editor must not move the cursor for them.
    return true;
  }
}

const ghostTheme = EditorView.baseTheme({
  '.cm-ghostText-text': { color: '#94a3b8', fontStyle: 'italic', whiteSpace: 'pre' },
  '.cm-ghostAccept': {
    marginLeft: '8px',
    verticalAlign: 'baseline',
    minHeight: '28px',
    padding: '2px 10px',
    borderRadius: '9999px',
    border: 'none',
    background: '#2563eb',
    color: 'white',
    font: '600 12px/1.2 system-ui, sans-serif',
    fontStyle: 'normal',
    cursor: 'pointer',
  },
});

/**
 * Seed 001's "AI" autocomplete as ghost text. About `delayMs` after the last LOCAL keystroke it
 * asks for a suggestion at the cursor and shows it greyed there, as a widget: it is never in the
 * document (and so never in the shared Y.Text) until Tab (or the touch "Accept") inserts it as an
 * ordinary edit. Escape, typing or moving the cursor dismisses it; typing again cancels a request
 * in flight. The others' edits (marked by y-codemirror with `ySyncAnnotation`) never ask.
 */
export function ghostText(config: GhostTextConfig): Extension {
  const delay = config.delayMs ?? 600;
  const touch = config.touch ?? false;

  const requester = ViewPlugin.fromClass(
    class {
      timer: ReturnType<typeof setTimeout> | undefined;
      controller: AbortController | null = null;
      /** Where the request in flight was made, moved along with the others' edits. */
      pendingPos = -1;
      shown: string | null = null;
      readonly view: EditorView;

      constructor(view: EditorView) {
        this.view = view;
      }

      update(update: ViewUpdate) {
        for (const tr of update.transactions) {
          if (tr.annotation(acceptedGhost)) {
            this.cancel();
          } else if (tr.docChanged && !isRemote(tr)) {
            // A keystroke of one's own: start the quiet period again.
            this.cancel();
            this.timer = setTimeout(() => this.ask(), delay);
          } else if (tr.docChanged) {
            // The others typed: an answer for a spot they changed would be stale.
            if (this.pendingPos >= 0) {
              if (tr.changes.touchesRange(this.pendingPos)) this.cancel();
              else this.pendingPos = tr.changes.mapPos(this.pendingPos);
            }
          } else if (tr.selection) {
            // The cursor moved on its own: whatever was about to be asked is no longer wanted.
            this.cancel();
          }
        }
        const ghost = currentGhost(update.state)?.text ?? null;
        if (ghost !== this.shown) {
          this.shown = ghost;
          config.onChange?.(ghost);
        }
      }

      ask() {
        this.timer = undefined;
        const { state } = this.view;
        const main = state.selection.main;
        if (!main.empty) return;
        const controller = new AbortController();
        this.controller = controller;
        this.pendingPos = main.head;
        const request = { code: state.doc.toString(), cursorPosition: main.head, language: config.language() };
        config.fetchSuggestion(request, controller.signal).then(
          (text) => {
            if (controller.signal.aborted || this.controller !== controller) return;
            const pos = this.pendingPos;
            this.controller = null;
            this.pendingPos = -1;
            const now = this.view.state.selection.main;
            if (!text || !now.empty || now.head !== pos) return;
            this.view.dispatch({ effects: showGhost.of({ pos, text }) });
          },
          (error: unknown) => {
            if (controller.signal.aborted || this.controller !== controller) return;
            this.controller = null;
            this.pendingPos = -1;
            config.onError?.(error);
          },
        );
      }

      cancel() {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.controller?.abort();
        this.controller = null;
        this.pendingPos = -1;
      }

      destroy() {
        this.cancel();
      }
    },
  );

  const decorations = EditorView.decorations.compute([ghostField], (state): DecorationSet => {
    const ghost = currentGhost(state);
    if (!ghost) return Decoration.none;
    return Decoration.set([
      Decoration.widget({ widget: new GhostWidget(ghost.text, touch), side: 1 }).range(ghost.pos),
    ]);
  });

  return [
    ghostField,
    decorations,
    requester,
    ghostTheme,
    // Before indentation and everything else: Tab with a suggestion on screen takes it.
    Prec.highest(
      keymap.of([
        { key: 'Tab', run: acceptGhost },
        // Escape still starts CodeMirror's "Escape then Tab leaves the editor" (as the editor's hint
        // says) when it dismisses a suggestion, which would otherwise swallow it.
        {
          key: 'Escape',
          run: (view) => {
            if (!dismissGhost(view)) return false;
            view.setTabFocusMode(2000);
            return true;
          },
        },
      ]),
    ),
  ];
}
