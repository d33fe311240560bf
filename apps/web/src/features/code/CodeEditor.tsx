import { defaultKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState } from '@codemirror/state';
import {
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { useEffect, useId, useRef, useState } from 'react';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import { type GhostTextConfig, ghostText } from './ghostText.ts';
import { type Language, languageSupport } from './languages.ts';
import { remoteCursors } from './remoteCursors.ts';
import type { CodeCollab } from './useCodeCollab.ts';

type Props = {
  collab: CodeCollab;
  language: Language;
  fetchSuggestion: GhostTextConfig['fetchSuggestion'];
  touch: boolean;
  onSuggestion(suggestion: string | null): void;
  onSuggestionError(error: unknown): void;
  /** Milliseconds of quiet before asking for a suggestion (tests shorten it). */
  suggestionDelayMs?: number;
  /** How long a remote caret's name shows after that person moves or types (tests shorten it). */
  caretNameMs?: number;
};

/** Python indents by four spaces, JavaScript and TypeScript by two. */
const languageSetup = (language: Language) => [
  languageSupport(language),
  indentUnit.of(language === 'python' ? '    ' : '  '),
];

// Colours are the app's palette variables, so the editor follows the light or dark theme (index.css).
const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '14px', backgroundColor: 'var(--color-surface)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    lineHeight: '1.6',
  },
  // Room for a remote caret's name above the first line.
  '.cm-content': { paddingTop: '20px', paddingBottom: '40vh' },
  '.cm-gutters': {
    backgroundColor: 'var(--color-slate-50)',
    color: 'var(--color-slate-500)',
    borderRight: '1px solid var(--color-slate-200)',
  },
  '.cm-activeLine': { backgroundColor: 'color-mix(in oklab, var(--color-slate-100) 50%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--color-slate-200)', color: 'var(--color-slate-700)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--color-slate-900)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection':
    { backgroundColor: 'var(--color-blue-100)' },
});

/**
 * Tab indents here (as in any code editor), so it does not leave the editor: CodeMirror lets
 * Escape then Tab (within two seconds) move focus on. Shown while the editor has focus and read
 * out as its description, since nothing else would tell a keyboard user.
 */
export const KEYBOARD_HINT = 'Tab indents · Esc then Tab leaves the editor';

/**
 * CodeMirror's default highlighting, in the palette's text shades (700: at least 4.5:1 on the
 * editor's background, and mirrored to light shades in the dark theme).
 */
const highlightStyle = HighlightStyle.define([
  { tag: t.meta, color: 'var(--color-slate-600)' },
  { tag: t.link, textDecoration: 'underline' },
  { tag: t.heading, textDecoration: 'underline', fontWeight: 'bold' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strong, fontWeight: 'bold' },
  { tag: t.strikethrough, textDecoration: 'line-through' },
  { tag: t.keyword, color: 'var(--color-violet-700)' },
  { tag: [t.atom, t.bool, t.url, t.contentSeparator, t.labelName], color: 'var(--color-blue-700)' },
  { tag: [t.literal, t.inserted], color: 'var(--color-emerald-700)' },
  { tag: [t.string, t.deleted], color: 'var(--color-red-700)' },
  { tag: [t.regexp, t.escape, t.special(t.string)], color: 'var(--color-rose-700)' },
  { tag: t.definition(t.variableName), color: 'var(--color-indigo-700)' },
  { tag: t.local(t.variableName), color: 'var(--color-violet-700)' },
  { tag: [t.typeName, t.namespace, t.className], color: 'var(--color-teal-700)' },
  { tag: [t.special(t.variableName), t.macroName, t.definition(t.propertyName)], color: 'var(--color-sky-700)' },
  { tag: t.comment, color: 'var(--color-slate-500)', fontStyle: 'italic' },
  { tag: t.invalid, color: 'var(--color-red-700)' },
]);

/**
 * CodeMirror 6 bound to the room's Y.Text: everyone's edits merge (CRDT), the others' cursors
 * and selections show with their names, undo takes back only your own edits, and the mocked AI
 * suggests code as ghost text. The language is a Compartment, swapped whenever it changes.
 */
export function CodeEditor({
  collab,
  language,
  fetchSuggestion,
  touch,
  onSuggestion,
  onSuggestionError,
  suggestionDelayMs,
  caretNameMs,
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const hintId = useId();
  const [focused, setFocused] = useState(false);
  const view = useRef<EditorView | null>(null);
  const languages = useRef(new Compartment());
  // Read by the editor when it asks; the editor itself is built once per document.
  const latest = useRef({ language, fetchSuggestion, onSuggestion, onSuggestionError });
  latest.current = { language, fetchSuggestion, onSuggestion, onSuggestionError };

  useEffect(() => {
    if (!host.current) return;
    const { text, awareness, undoManager } = collab;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text.toString(),
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          drawSelection(),
          dropCursor(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(highlightStyle),
          EditorState.tabSize.of(4),
          languages.current.of(languageSetup(latest.current.language)),
          // The awareness goes to our own remote cursors (names shown for a moment, not for good).
          yCollab(text, null, { undoManager }),
          remoteCursors({ text, awareness, showNameMs: caretNameMs }),
          ghostText({
            fetchSuggestion: (request, signal) => latest.current.fetchSuggestion(request, signal),
            language: () => latest.current.language,
            delayMs: suggestionDelayMs,
            touch,
            onChange: (suggestion) => latest.current.onSuggestion(suggestion),
            onError: (error) => latest.current.onSuggestionError(error),
          }),
          keymap.of([...yUndoManagerKeymap, ...defaultKeymap, indentWithTab]),
          EditorView.contentAttributes.of({
            'aria-label': 'Code',
            'aria-describedby': hintId,
            autocapitalize: 'off',
            autocorrect: 'off',
          }),
          EditorView.updateListener.of((update) => {
            if (update.focusChanged) setFocused(update.view.hasFocus);
          }),
          // Focusable as far as checkers know too (a contenteditable is, but axe wants a tabindex),
          // so the scrolling area around it counts as reachable by keyboard. Same tab order.
          EditorView.contentAttributes.of({ tabindex: '0' }),
          theme,
        ],
      }),
    });
    view.current = editor;
    return () => {
      view.current = null;
      editor.destroy();
    };
  }, [collab, touch, suggestionDelayMs, caretNameMs, hintId]);

  useEffect(() => {
    view.current?.dispatch({ effects: languages.current.reconfigure(languageSetup(language)) });
  }, [language]);

  return (
    <div className="group relative h-full min-h-0">
      {/* Its own stacking context, so CodeMirror's layers (the sticky line numbers) stay under the ring. */}
      <div ref={host} className="isolate h-full min-h-0" data-testid="code-editor" />
      {/* A focus ring round the whole editor while its text has focus, drawn over it (inset: the
          page clips the edges). */}
      <div
        data-testid="code-editor-focus-ring"
        className="pointer-events-none absolute inset-0 z-10 hidden outline-2 -outline-offset-2 outline-blue-600 group-has-focus-visible:block"
      />
      {/* Always there to describe the editor; on screen only while it has focus (and not on a
          touch screen, where there is no Tab key to explain). */}
      <p
        id={hintId}
        className={
          focused && !touch
            ? 'pointer-events-none absolute right-3 bottom-2 z-10 rounded-md bg-slate-800 px-2 py-1 text-xs text-white shadow'
            : 'sr-only'
        }
      >
        {KEYBOARD_HINT}
      </p>
    </div>
  );
}
