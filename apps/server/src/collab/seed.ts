import { CODE_DEFAULT_LANGUAGE, CODE_LANGUAGE_KEY, CODE_META, CODE_TEXT } from '@tandem/protocol/constants';
import * as Y from 'yjs';

/**
 * The starting text of a new code room. It is written by a Yjs client with a fixed id, so every
 * node that seeds the same room makes the very same items: if two nodes seed at once, Yjs merges
 * the two seeds into one instead of showing the text twice.
 */
const SEED_CLIENT_ID = 1;

export function seedTemplate(roomName: string): string {
  return [
    `# ${roomName}: a Tandem code room.`,
    '# Everyone here edits this file together; pick a language above.',
    '',
    'def main():',
    '    print("Hello, Tandem!")',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ].join('\n');
}

export function seedState(roomName: string): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = SEED_CLIENT_ID;
  doc.transact(() => {
    doc.getMap(CODE_META).set(CODE_LANGUAGE_KEY, CODE_DEFAULT_LANGUAGE);
    doc.getText(CODE_TEXT).insert(0, seedTemplate(roomName));
  });
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

/** The text and language held in a Yjs state. */
export function readState(state: Uint8Array): { code: string; language: string } {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const result = {
    code: doc.getText(CODE_TEXT).toString(),
    language: String(doc.getMap(CODE_META).get(CODE_LANGUAGE_KEY) ?? CODE_DEFAULT_LANGUAGE),
  };
  doc.destroy();
  return result;
}
