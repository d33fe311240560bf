import { Annotation, type Extension, type Range } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, ViewPlugin, type ViewUpdate, WidgetType } from '@codemirror/view';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

/** How long a remote caret's name shows after that person moved or typed. */
export const CARET_NAME_MS = 2500;

/** Recompute the remote carets (someone moved, or a name's moment on screen ended). */
const redraw = Annotation.define<true>();

type CursorState = { anchor: unknown; head: unknown };
type UserState = { name?: string; color?: string; colorLight?: string };

/**
 * A remote caret: a thin bar in the person's colour, and their name above it. The name shows for
 * a moment after they move or type, and while the pointer is over the caret; the rest of the time
 * it is hidden, so it never sits on the line above for good (y-codemirror's own caret widget
 * shows the name only on hover, and the previous theme here pinned it on for good).
 */
class CaretWidget extends WidgetType {
  readonly color: string;
  readonly name: string;
  readonly recent: boolean;
  constructor(color: string, name: string, recent: boolean) {
    super();
    this.color = color;
    this.name = name;
    this.recent = recent;
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span');
    caret.style.backgroundColor = this.color;
    caret.style.borderColor = this.color;
    const dot = document.createElement('span');
    dot.className = 'cm-ySelectionCaretDot';
    const info = document.createElement('span');
    info.className = 'cm-ySelectionInfo';
    // Who is here is said in the "Here now" list; the caret is only drawn.
    caret.setAttribute('aria-hidden', 'true');
    caret.append('\u2060', dot, '\u2060', info, '\u2060');
    this.updateDOM(caret);
    return caret;
  }

  override updateDOM(dom: HTMLElement): boolean {
    const info = dom.querySelector<HTMLElement>('.cm-ySelectionInfo');
    if (!info) return false;
    dom.className = this.recent ? 'cm-ySelectionCaret cm-ySelectionCaret-recent' : 'cm-ySelectionCaret';
    dom.style.backgroundColor = this.color;
    dom.style.borderColor = this.color;
    info.textContent = this.name;
    return true;
  }

  override eq(other: CaretWidget): boolean {
    return other.color === this.color && other.name === this.name && other.recent === this.recent;
  }

  override get estimatedHeight(): number {
    return -1;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

const mark = (colorLight: string) =>
  Decoration.mark({ attributes: { style: `background-color: ${colorLight}` }, class: 'cm-ySelection' });

/**
 * Publishes this editor's selection in the awareness state and draws everyone else's: their
 * selections tinted in their colour and their carets with names (see `CaretWidget`). Stands in for
 * y-codemirror's `yRemoteSelections` (the editor passes no awareness to `yCollab`).
 */
export function remoteCursors({
  text,
  awareness,
  showNameMs = CARET_NAME_MS,
}: {
  text: Y.Text;
  awareness: Awareness;
  showNameMs?: number;
}): Extension {
  const plugin = ViewPlugin.define(
    (view) => {
      /** When each other client's cursor last changed (and what it was), to show their name for a moment. */
      const moved = new Map<number, { cursor: string; at: number }>();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
        const others = [...added, ...updated, ...removed].some((id) => id !== awareness.clientID);
        if (others) view.dispatch({ annotations: redraw.of(true) });
      };
      awareness.on('change', onChange);

      const publishLocal = (update: ViewUpdate) => {
        const local = awareness.getLocalState();
        if (local == null) return;
        const hasFocus = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus();
        const current = local.cursor as CursorState | null | undefined;
        if (hasFocus) {
          const selection = update.state.selection.main;
          const anchor = Y.createRelativePositionFromTypeIndex(text, selection.anchor);
          const head = Y.createRelativePositionFromTypeIndex(text, selection.head);
          const same =
            current != null &&
            Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor) &&
            Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head);
          if (!same) awareness.setLocalStateField('cursor', { anchor, head });
        }
      };

      const build = (update: ViewUpdate): DecorationSet => {
        const doc = text.doc;
        if (!doc) return Decoration.none;
        const now = Date.now();
        const decorations: Range<Decoration>[] = [];
        let nextExpiry = Number.POSITIVE_INFINITY;
        const present = new Set<number>();
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === awareness.clientID) return;
          const cursor = state.cursor as CursorState | null | undefined;
          if (cursor?.anchor == null || cursor.head == null) return;
          const anchor = Y.createAbsolutePositionFromRelativePosition(
            Y.createRelativePositionFromJSON(cursor.anchor),
            doc,
          );
          const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), doc);
          if (anchor == null || head == null || anchor.type !== text || head.type !== text) return;
          present.add(clientId);
          const key = JSON.stringify(cursor);
          const last = moved.get(clientId);
          const at = last?.cursor === key ? last.at : now;
          if (last?.cursor !== key) moved.set(clientId, { cursor: key, at });
          const recent = now - at < showNameMs;
          if (recent) nextExpiry = Math.min(nextExpiry, at + showNameMs);

          const { color = '#30bced', name = 'Anonymous', colorLight = `${color}33` } = (state.user ?? {}) as UserState;
          const docLength = update.state.doc.length;
          const start = Math.min(anchor.index, head.index, docLength);
          const end = Math.min(Math.max(anchor.index, head.index), docLength);
          const startLine = update.state.doc.lineAt(start);
          const endLine = update.state.doc.lineAt(end);
          if (start < end) {
            if (startLine.number === endLine.number) {
              decorations.push(mark(colorLight).range(start, end));
            } else {
              if (start < startLine.to) decorations.push(mark(colorLight).range(start, startLine.to));
              if (endLine.from < end) decorations.push(mark(colorLight).range(endLine.from, end));
              for (let line = startLine.number + 1; line < endLine.number; line++) {
                const from = update.state.doc.line(line).from;
                decorations.push(
                  Decoration.line({
                    attributes: { style: `background-color: ${colorLight}`, class: 'cm-yLineSelection' },
                  }).range(from),
                );
              }
            }
          }
          const caretAt = Math.min(head.index, docLength);
          decorations.push(
            Decoration.widget({
              // Outside the remote selection, so the local cursor is drawn beside it, not in it.
              side: head.index - anchor.index > 0 ? -1 : 1,
              widget: new CaretWidget(color, name, recent),
            }).range(caretAt),
          );
        });
        for (const clientId of moved.keys()) if (!present.has(clientId)) moved.delete(clientId);
        // Hide the names whose moment is over, when it is over.
        clearTimeout(timer);
        if (Number.isFinite(nextExpiry)) {
          timer = setTimeout(() => view.dispatch({ annotations: redraw.of(true) }), nextExpiry - now + 1);
        }
        return Decoration.set(decorations, true);
      };

      return {
        decorations: Decoration.none as DecorationSet,
        update(update: ViewUpdate) {
          publishLocal(update);
          this.decorations = build(update);
        },
        destroy() {
          clearTimeout(timer);
          awareness.off('change', onChange);
        },
      };
    },
    { decorations: (value) => value.decorations },
  );
  return [plugin, caretTheme];
}

const caretTheme = EditorView.baseTheme({
  '.cm-ySelectionCaret': {
    position: 'relative',
    borderLeft: '2px solid black',
    marginLeft: '-1px',
    marginRight: '-1px',
    boxSizing: 'border-box',
    display: 'inline',
  },
  // A wider target than the 2px bar, for the pointer that wants to see whose caret it is.
  '.cm-ySelectionCaret::before': {
    content: '""',
    position: 'absolute',
    top: '0',
    bottom: '0',
    left: '-5px',
    right: '-5px',
  },
  '.cm-ySelectionCaretDot': {
    borderRadius: '50%',
    position: 'absolute',
    width: '.4em',
    height: '.4em',
    top: '-.2em',
    left: '-.25em',
    backgroundColor: 'inherit',
  },
  '.cm-ySelectionInfo': {
    position: 'absolute',
    top: '-1.45em',
    left: '-2px',
    padding: '1px 5px',
    borderRadius: '4px 4px 4px 0',
    color: 'white',
    backgroundColor: 'inherit',
    fontFamily: 'system-ui, sans-serif',
    fontSize: '11px',
    fontWeight: '600',
    lineHeight: '1.4',
    whiteSpace: 'nowrap',
    userSelect: 'none',
    pointerEvents: 'none',
    zIndex: '101',
    // Hidden (not only transparent) at rest: it must not cover the code above it.
    opacity: '0',
    visibility: 'hidden',
    transition: 'opacity .2s ease-in-out, visibility .2s',
  },
  '.cm-ySelectionCaret-recent > .cm-ySelectionInfo, .cm-ySelectionCaret:hover > .cm-ySelectionInfo': {
    opacity: '1',
    visibility: 'visible',
  },
});
