import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { CODE_TEXT } from '@tandem/protocol/constants';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { yCollab } from 'y-codemirror.next';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import './test/jsdomLayout.ts';
import { remoteCursors } from './remoteCursors.ts';

const BOB = 4242;
const SHOW_MS = 1000;

function setup() {
  const doc = new Y.Doc();
  const text = doc.getText(CODE_TEXT);
  text.insert(0, 'first line\nsecond line\n');
  const awareness = new Awareness(doc);
  const view = new EditorView({
    parent: document.body,
    state: EditorState.create({
      doc: text.toString(),
      extensions: [
        yCollab(text, null, { undoManager: false }),
        remoteCursors({ text, awareness, showNameMs: SHOW_MS }),
      ],
    }),
  });
  /** Bob's awareness state arrives, his cursor at `index` of the shared text. */
  const bobAt = (index: number) => {
    const position = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, index));
    const added = awareness.states.has(BOB) ? [] : [BOB];
    awareness.states.set(BOB, {
      user: { id: 'bob-id', name: 'bob', color: '#0369a1' },
      cursor: { anchor: position, head: position },
    });
    awareness.emit('change', [{ added, updated: added.length ? [] : [BOB], removed: [] }, 'remote']);
  };
  const caret = () => view.dom.querySelector<HTMLElement>('.cm-ySelectionCaret');
  return { view, text, bobAt, caret };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe('remote cursors', () => {
  it('shows a remote caret with its name, and the name only for a moment after that person moved', () => {
    const { bobAt, caret } = setup();
    bobAt(15);
    expect(caret()).not.toBeNull();
    expect(caret()?.querySelector('.cm-ySelectionInfo')).toHaveTextContent('bob');
    expect(caret()).toHaveClass('cm-ySelectionCaret-recent');

    // Left alone, the name stops covering the line above; the caret itself stays.
    vi.advanceTimersByTime(SHOW_MS + 10);
    expect(caret()).not.toBeNull();
    expect(caret()).not.toHaveClass('cm-ySelectionCaret-recent');

    // Bob moves: his name shows again, for a moment.
    bobAt(17);
    expect(caret()).toHaveClass('cm-ySelectionCaret-recent');
    vi.advanceTimersByTime(SHOW_MS + 10);
    expect(caret()).not.toHaveClass('cm-ySelectionCaret-recent');
  });

  it('does not bring the name back when only someone else’s edits shift the caret', () => {
    const { view, bobAt, caret } = setup();
    bobAt(15);
    vi.advanceTimersByTime(SHOW_MS + 10);
    // This browser types above Bob's caret: the text moves, Bob did not.
    view.dispatch({ changes: { from: 0, insert: '# note\n' } });
    expect(caret()).not.toBeNull();
    expect(caret()).not.toHaveClass('cm-ySelectionCaret-recent');
  });

  it('is hidden from screen readers (the "Here now" list says who is in the room)', () => {
    const { bobAt, caret } = setup();
    bobAt(3);
    expect(caret()).toHaveAttribute('aria-hidden', 'true');
  });
});
