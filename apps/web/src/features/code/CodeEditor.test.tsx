import { language as languageFacet } from '@codemirror/language';
import { EditorView, runScopeHandlers } from '@codemirror/view';
import { CODE_LANGUAGE_KEY, CODE_META, CODE_TEXT } from '@tandem/protocol/constants';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import './test/jsdomLayout.ts';
import { CodeEditor, KEYBOARD_HINT } from './CodeEditor.tsx';
import { LanguageSelect } from './LanguageSelect.tsx';
import { type CodeCollab, setSharedLanguage, useSharedLanguage } from './useCodeCollab.ts';

/** This browser's document and the other person's, synced as the server would sync them. */
function room() {
  const mine = new Y.Doc();
  const theirs = new Y.Doc();
  mine.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'network') Y.applyUpdate(theirs, update, 'network');
  });
  theirs.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'network') Y.applyUpdate(mine, update, 'network');
  });
  theirs.transact(() => {
    theirs.getMap(CODE_META).set(CODE_LANGUAGE_KEY, 'python');
    theirs.getText(CODE_TEXT).insert(0, 'x = 1\n');
  });
  const text = mine.getText(CODE_TEXT);
  // The editor binds to the document, its awareness and the undo manager; no socket in these tests.
  const collab = {
    doc: mine,
    text,
    meta: mine.getMap<unknown>(CODE_META),
    awareness: new Awareness(mine),
    undoManager: new Y.UndoManager(text),
  } as unknown as CodeCollab;
  return { collab, theirs };
}

/** The room page's header selector and editor, wired to the shared map as the page wires them. */
function Room({ collab }: { collab: CodeCollab }) {
  const language = useSharedLanguage(collab.meta);
  return (
    <>
      <LanguageSelect value={language} onChange={(next) => setSharedLanguage(collab.meta, next)} />
      <CodeEditor
        collab={collab}
        language={language}
        fetchSuggestion={async () => ''}
        touch={false}
        onSuggestion={() => {}}
        onSuggestionError={() => {}}
      />
    </>
  );
}

const editorView = () => {
  const dom = document.querySelector<HTMLElement>('.cm-editor');
  const view = dom ? EditorView.findFromDOM(dom) : null;
  if (!view) throw new Error('no editor on the page');
  return view;
};
const editorLanguage = () => editorView().state.facet(languageFacet)?.name;

afterEach(() => {
  vi.useRealTimers();
});

describe('the language selector', () => {
  it('changes the language for everyone in the room, and the editor highlights in it', async () => {
    const { collab, theirs } = room();
    render(<Room collab={collab} />);
    const select = screen.getByLabelText('Language');
    expect(select).toHaveValue('python');
    expect(editorLanguage()).toBe('python');

    await userEvent.selectOptions(select, 'TypeScript');
    expect(theirs.getMap(CODE_META).get(CODE_LANGUAGE_KEY)).toBe('typescript');
    expect(editorLanguage()).toBe('typescript');
    // The shared text is not touched by a language change.
    expect(theirs.getText(CODE_TEXT).toString()).toBe('x = 1\n');
  });

  it('follows a change made by someone else', () => {
    const { collab, theirs } = room();
    render(<Room collab={collab} />);
    act(() => theirs.getMap(CODE_META).set(CODE_LANGUAGE_KEY, 'javascript'));
    expect(screen.getByLabelText('Language')).toHaveValue('javascript');
    expect(editorLanguage()).toBe('javascript');
  });

  it('reads an unknown language as Python', () => {
    const { collab, theirs } = room();
    theirs.getMap(CODE_META).set(CODE_LANGUAGE_KEY, 'cobol');
    render(<Room collab={collab} />);
    expect(screen.getByLabelText('Language')).toHaveValue('python');
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['Python', 'JavaScript', 'TypeScript']);
  });
});

describe('the shared editor', () => {
  it('shows the others’ edits, and undo takes back only your own', () => {
    const { collab, theirs } = room();
    render(<Room collab={collab} />);
    const view = editorView();
    expect(view.state.doc.toString()).toBe('x = 1\n');
    act(() => {
      view.dispatch({ changes: { from: 6, insert: 'y = 2\n' }, userEvent: 'input.type' });
      theirs.getText(CODE_TEXT).insert(0, '# theirs\n');
    });
    expect(view.state.doc.toString()).toBe('# theirs\nx = 1\ny = 2\n');
    expect(theirs.getText(CODE_TEXT).toString()).toBe('# theirs\nx = 1\ny = 2\n');

    const undo = new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true, cancelable: true });
    act(() => {
      runScopeHandlers(view, undo, 'editor');
    });
    expect(view.state.doc.toString()).toBe('# theirs\nx = 1\n');
    expect(theirs.getText(CODE_TEXT).toString()).toBe('# theirs\nx = 1\n');
  });
});

describe('leaving the editor by keyboard', () => {
  it('says how, in the editor’s description and on screen while it has focus', async () => {
    const { collab } = room();
    render(<Room collab={collab} />);
    const code = screen.getByRole('textbox', { name: 'Code' });
    expect(code).toHaveAccessibleDescription(KEYBOARD_HINT);
    const hint = screen.getByText(KEYBOARD_HINT);
    // Only for screen readers until the editor has focus.
    expect(hint).toHaveClass('sr-only');
    // CodeMirror notes a change of focus a moment after the browser's focus event.
    await userEvent.click(code);
    await waitFor(() => expect(hint).not.toHaveClass('sr-only'));
    await userEvent.click(screen.getByLabelText('Language'));
    await waitFor(() => expect(hint).toHaveClass('sr-only'));
  });
});
