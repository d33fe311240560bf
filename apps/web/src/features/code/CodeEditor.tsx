import { defaultKeymap, indentWithTab } from '@codemirror/commands';
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from '@codemirror/language';
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

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '14px', backgroundColor: '#ffffff' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    lineHeight: '1.6',
  },
  // Room for a remote caret's name above the first line.
  '.cm-content': { paddingTop: '20px', paddingBottom: '40vh' },
  '.cm-gutters': { backgroundColor: '#f8fafc', color: '#94a3b8', borderRight: '1px solid #e2e8f0' },
  '.cm-activeLine': { backgroundColor: '#f1f5f980' },
  '.cm-activeLineGutter': { backgroundColor: '#e2e8f0', color: '#334155' },
});

/**
 * Tab indents here (as in any code editor), so it does not leave the editor: CodeMirror lets
 * Escape then Tab (within two seconds) move focus on. Shown while the editor has focus and read
 * out as its description, since nothing else would tell a keyboard user.
 */
export const KEYBOARD_HINT = 'Tab indents · Esc then Tab leaves the editor';

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
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
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
