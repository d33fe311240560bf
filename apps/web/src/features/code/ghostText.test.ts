import { EditorState } from '@codemirror/state';
import { EditorView, runScopeHandlers } from '@codemirror/view';
import { CODE_TEXT } from '@tandem/protocol/constants';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { yCollab } from 'y-codemirror.next';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import './test/jsdomLayout.ts';
import { currentGhost, ghostText, type SuggestionRequest } from './ghostText.ts';
import type { Language } from './languages.ts';

type Call = { request: SuggestionRequest; signal: AbortSignal; resolve(text: string): void };

/**
 * An editor bound to a Y.Text exactly as in a room, with a second Y.Doc standing for the other
 * person: its edits reach this editor the way the server's would (y-codemirror's remote path).
 */
function setup(options: { touch?: boolean; language?: Language } = {}) {
  const calls: Call[] = [];
  const fetchSuggestion = vi.fn(
    (request: SuggestionRequest, signal: AbortSignal) =>
      new Promise<string>((resolve) => calls.push({ request, signal, resolve })),
  );
  const onChange = vi.fn();
  const mine = new Y.Doc();
  const theirs = new Y.Doc();
  mine.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'network') Y.applyUpdate(theirs, update, 'network');
  });
  theirs.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'network') Y.applyUpdate(mine, update, 'network');
  });
  const text = mine.getText(CODE_TEXT);
  // The server's seed, as it arrives over the network.
  theirs.getText(CODE_TEXT).insert(0, 'x = 1\n');
  const view = new EditorView({
    parent: document.body,
    state: EditorState.create({
      doc: text.toString(),
      extensions: [
        yCollab(text, new Awareness(mine), { undoManager: new Y.UndoManager(text) }),
        ghostText({
          fetchSuggestion,
          language: () => options.language ?? 'python',
          touch: options.touch ?? false,
          onChange,
        }),
      ],
    }),
  });
  const type = (insert: string) => {
    const end = view.state.doc.length;
    view.dispatch({
      changes: { from: end, insert },
      selection: { anchor: end + insert.length },
      userEvent: 'input.type',
    });
  };
  const press = (key: string) =>
    runScopeHandlers(view, new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }), 'editor');
  const theirText = theirs.getText(CODE_TEXT);
  return { view, calls, fetchSuggestion, onChange, type, press, theirText, text };
}

let editor: ReturnType<typeof setup> | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  editor?.view.destroy();
  editor = undefined;
  vi.useRealTimers();
});

/** Types, waits out the quiet period and answers the request with `suggestion`. */
async function showSuggestion(e: ReturnType<typeof setup>, typed: string, suggestion: string) {
  e.type(typed);
  await vi.advanceTimersByTimeAsync(600);
  e.calls.at(-1)?.resolve(suggestion);
  await vi.advanceTimersByTimeAsync(0);
}

describe('ghost text autocomplete', () => {
  it('asks once, 600 ms after the last local keystroke, with the text, the cursor and the language', async () => {
    editor = setup({ language: 'typescript' });
    editor.type('d');
    await vi.advanceTimersByTimeAsync(300);
    editor.type('e');
    await vi.advanceTimersByTimeAsync(300);
    editor.type('f');
    await vi.advanceTimersByTimeAsync(599);
    expect(editor.fetchSuggestion).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(editor.fetchSuggestion).toHaveBeenCalledTimes(1);
    expect(editor.calls[0]?.request).toEqual({ code: 'x = 1\ndef', cursorPosition: 9, language: 'typescript' });
  });

  it('aborts the request in flight when you type again, and ignores its late answer', async () => {
    editor = setup();
    editor.type('def greet(name');
    await vi.advanceTimersByTimeAsync(600);
    const first = editor.calls[0];
    expect(first?.signal.aborted).toBe(false);
    editor.type(')');
    expect(first?.signal.aborted).toBe(true);
    first?.resolve(':\n    pass');
    await vi.advanceTimersByTimeAsync(0);
    expect(currentGhost(editor.view.state)).toBeNull();
    await vi.advanceTimersByTimeAsync(600);
    expect(editor.fetchSuggestion).toHaveBeenCalledTimes(2);
    expect(editor.calls[1]?.request.code).toBe('x = 1\ndef greet(name)');
  });

  it('never asks because of the others’ edits', async () => {
    editor = setup();
    editor.theirText.insert(0, 'import os\n');
    expect(editor.view.state.doc.toString()).toBe('import os\nx = 1\n');
    await vi.advanceTimersByTimeAsync(2000);
    expect(editor.fetchSuggestion).not.toHaveBeenCalled();
  });

  it('shows the suggestion greyed at the cursor without putting it in the document, and Tab inserts it for everyone', async () => {
    editor = setup();
    await showSuggestion(editor, 'def greet(name', '):\n    pass');
    expect(currentGhost(editor.view.state)).toEqual({ pos: 20, text: '):\n    pass' });
    expect(editor.view.dom.querySelector('.cm-ghostText')?.textContent).toBe('):\n    pass');
    expect(editor.onChange).toHaveBeenLastCalledWith('):\n    pass');
    // Only shown: neither this editor's document nor the shared text (nor the other person) has it.
    expect(editor.view.state.doc.toString()).toBe('x = 1\ndef greet(name');
    expect(editor.theirText.toString()).toBe('x = 1\ndef greet(name');

    expect(editor.press('Tab')).toBe(true);
    expect(editor.view.state.doc.toString()).toBe('x = 1\ndef greet(name):\n    pass');
    expect(editor.view.state.selection.main.head).toBe(editor.view.state.doc.length);
    expect(editor.theirText.toString()).toBe('x = 1\ndef greet(name):\n    pass');
    expect(currentGhost(editor.view.state)).toBeNull();
    expect(editor.view.dom.querySelector('.cm-ghostText')).toBeNull();
    expect(editor.onChange).toHaveBeenLastCalledWith(null);
    // Accepting is not a keystroke to answer.
    await vi.advanceTimersByTimeAsync(1000);
    expect(editor.fetchSuggestion).toHaveBeenCalledTimes(1);
  });

  it('Escape dismisses the suggestion and leaves the text alone; without one, Escape is not taken', async () => {
    editor = setup();
    await showSuggestion(editor, 'print(', '"")');
    expect(editor.press('Escape')).toBe(true);
    expect(currentGhost(editor.view.state)).toBeNull();
    expect(editor.view.state.doc.toString()).toBe('x = 1\nprint(');
    expect(editor.press('Escape')).toBe(false);
    // …and Tab without a suggestion is left to the editor's other bindings.
    expect(editor.press('Tab')).toBe(false);
  });

  it('any typing dismisses it; the others’ edits elsewhere only move it', async () => {
    editor = setup();
    await showSuggestion(editor, 'def greet(name', '):\n    pass');
    editor.theirText.insert(0, '# hi\n');
    expect(currentGhost(editor.view.state)).toEqual({ pos: 25, text: '):\n    pass' });
    editor.type(',');
    expect(currentGhost(editor.view.state)).toBeNull();
  });

  it('shows nothing for an empty suggestion', async () => {
    editor = setup();
    await showSuggestion(editor, 'zzz', '');
    expect(currentGhost(editor.view.state)).toBeNull();
    expect(editor.view.dom.querySelector('.cm-ghostText')).toBeNull();
  });

  it('drops an answer when the cursor has moved meanwhile', async () => {
    editor = setup();
    editor.type('def greet(name');
    await vi.advanceTimersByTimeAsync(600);
    editor.view.dispatch({ selection: { anchor: 0 } });
    expect(editor.calls[0]?.signal.aborted).toBe(true);
  });

  it('on touch screens the suggestion carries an Accept button that inserts it', async () => {
    editor = setup({ touch: true });
    await showSuggestion(editor, 'def greet(name', '):\n    pass');
    const accept = editor.view.dom.querySelector<HTMLButtonElement>('.cm-ghostAccept');
    expect(accept?.textContent).toBe('Accept');
    accept?.click();
    expect(editor.theirText.toString()).toBe('x = 1\ndef greet(name):\n    pass');
  });
});
