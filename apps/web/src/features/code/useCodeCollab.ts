import { HocuspocusProvider, WebSocketStatus } from '@hocuspocus/provider';
import {
  CODE_LANGUAGE_KEY,
  CODE_LEFT_ROOM,
  CODE_META,
  CODE_SESSION_UNCHECKED,
  CODE_TEXT,
  CodeCloseCode,
} from '@tandem/protocol/constants';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import * as Y from 'yjs';
import { DEFAULT_LANGUAGE, type Language, toLanguage } from './languages.ts';
import { clashes, colorFor } from './userColors.ts';

/** One person in the room (several tabs of one person are one entry). */
export type Participant = { id: string; name: string; color: string; self: boolean };

/** What each client puts in its awareness state; y-codemirror reads name and colours for cursors. */
export type AwarenessUser = { id: string; name: string; color: string; colorLight: string };

export type CollabStatus = 'connecting' | 'connected' | 'disconnected';

/** Everything the editor binds to: one Yjs document and its provider, for one room. */
export type CodeCollab = {
  doc: Y.Doc;
  text: Y.Text;
  meta: Y.Map<unknown>;
  provider: HocuspocusProvider;
  awareness: NonNullable<HocuspocusProvider['awareness']>;
  /** Tracks only this client's edits: undo never takes back what the others typed. */
  undoManager: Y.UndoManager;
};

export type CodeCollabState = {
  collab: CodeCollab | null;
  status: CollabStatus;
  /** The document has been loaded from the server at least once. */
  synced: boolean;
  /** The server accepted this session for this room (which also made the person a member). */
  authenticated: boolean;
  /** Why the server refused the room, when it did. */
  refused: string | null;
  /**
   * Why the server last closed the connection, when it said (an edit too large, too fast, or past
   * the document's size): shown until the editor has been back and in sync for a while.
   */
  closedReason: string | null;
  participants: Participant[];
};

export function participantsOf(states: Map<number, Record<string, unknown>>, myClientId: number): Participant[] {
  const byId = new Map<string, Participant>();
  for (const [clientId, state] of states) {
    const user = state.user as Partial<AwarenessUser> | undefined;
    if (!user?.id || !user.name) continue;
    const self = clientId === myClientId;
    const known = byId.get(user.id);
    if (known) known.self ||= self;
    else byId.set(user.id, { id: user.id, name: user.name, color: user.color ?? '#0369a1', self });
  }
  // You first, then the others by name.
  return [...byId.values()].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
}

/** How long a closed connection's reason stays on screen once the editor is back in sync. */
const CLOSED_REASON_MS = 15_000;

/** Sending the token again after the server could not check the session: 1 s, doubling, to 15 s. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 15_000;
/** The wait for the attempt after `attempt` failed ones, ±25% so that many editors do not retry at once. */
export const retryDelay = (attempt: number, random = Math.random) =>
  Math.round(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt) * (0.75 + random() * 0.5));

const codeSocketUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/code`;

/**
 * Connects to a code room's shared document over `/ws/code` (Hocuspocus). The session cookie
 * authenticates; the server seeds a new room's text, so nothing is ever inserted here. Everything
 * is torn down when the room (or the person) changes.
 */
export function useCodeCollab(roomId: string, me: { id: string; name: string }): CodeCollabState {
  const [state, setState] = useState<CodeCollabState>({
    collab: null,
    status: 'connecting',
    synced: false,
    authenticated: false,
    refused: null,
    closedReason: null,
    participants: [],
  });

  useEffect(() => {
    const doc = new Y.Doc();
    const text = doc.getText(CODE_TEXT);
    const meta = doc.getMap<unknown>(CODE_META);
    const provider = new HocuspocusProvider({ url: codeSocketUrl(), name: roomId, document: doc, token: null });
    const awareness = provider.awareness;
    if (!awareness) throw new Error('the Hocuspocus provider has no awareness');
    const undoManager = new Y.UndoManager(text);
    const update = (patch: Partial<CodeCollabState>) => setState((s) => ({ ...s, ...patch }));

    let user: AwarenessUser = { id: me.id, name: me.name, ...colorFor(me.id) };
    awareness.setLocalStateField('user', user);

    const others = () => {
      const list: Array<{ clientId: number; userId: string; color: string }> = [];
      for (const [clientId, state] of awareness.getStates()) {
        const other = state.user as Partial<AwarenessUser> | undefined;
        if (clientId !== doc.clientID && other?.id && other.color)
          list.push({ clientId, userId: other.id, color: other.color });
      }
      return list;
    };
    const onAwareness = () => {
      // Two people in one colour cannot be told apart: one of them takes a free colour.
      const present = others();
      if (clashes({ clientId: doc.clientID, userId: me.id, color: user.color }, present)) {
        const taken = new Set(present.filter((o) => o.userId !== me.id).map((o) => o.color));
        user = { ...user, ...colorFor(me.id, taken) };
        awareness.setLocalStateField('user', user);
      }
      update({
        participants: participantsOf(awareness.getStates() as Map<number, Record<string, unknown>>, doc.clientID),
      });
    };
    awareness.on('change', onAwareness);
    // While the server could not check the session (its database did not answer), the socket is
    // open but the room is not: shown as connecting, and the token is sent again with backoff.
    let socketStatus: CollabStatus = 'connecting';
    let unchecked = false;
    let attempts = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const showStatus = () =>
      update({ status: unchecked && socketStatus === 'connected' ? 'connecting' : socketStatus });
    provider.on('status', ({ status }: { status: WebSocketStatus }) => {
      socketStatus =
        status === WebSocketStatus.Connected
          ? 'connected'
          : status === WebSocketStatus.Connecting
            ? 'connecting'
            : 'disconnected';
      showStatus();
    });
    provider.on('synced', ({ state: synced }: { state: boolean }) => {
      if (synced) update({ synced: true });
    });
    provider.on('authenticated', () => {
      clearTimeout(retry);
      unchecked = false;
      attempts = 0;
      showStatus();
      update({ authenticated: true, refused: null });
    });
    provider.on('authenticationFailed', ({ reason }: { reason: string }) => {
      if (reason !== CODE_SESSION_UNCHECKED) return update({ refused: reason });
      unchecked = true;
      showStatus();
      clearTimeout(retry);
      // The same socket takes a new token: then the sync the refused one carried is started again.
      retry = setTimeout(() => void provider.sendToken().then(() => provider.startSync()), retryDelay(attempts++));
    });
    // A close with a reason is the server cutting this editor off (the socket reconnects by
    // itself): the reason stays on screen until the editor has been in sync for a while again.
    // Having left the room (on another device) ends it here: opening it again would join again.
    let clearReason: ReturnType<typeof setTimeout> | undefined;
    provider.on('close', ({ event }: { event: { code: number; reason: string } }) => {
      clearTimeout(clearReason);
      // A new socket sends its token by itself.
      clearTimeout(retry);
      if (event.reason === CODE_LEFT_ROOM) {
        provider.disconnect();
        return update({ refused: event.reason });
      }
      const reason = event.reason || (event.code === CodeCloseCode.tooBig ? 'That edit was too large to send.' : '');
      if (reason) update({ closedReason: reason });
    });
    provider.on('synced', ({ state: synced }: { state: boolean }) => {
      clearTimeout(clearReason);
      if (synced) clearReason = setTimeout(() => update({ closedReason: null }), CLOSED_REASON_MS);
    });

    setState({
      collab: { doc, text, meta, provider, awareness, undoManager },
      status: 'connecting',
      synced: false,
      authenticated: false,
      refused: null,
      closedReason: null,
      participants: participantsOf(awareness.getStates() as Map<number, Record<string, unknown>>, doc.clientID),
    });

    return () => {
      clearTimeout(clearReason);
      clearTimeout(retry);
      awareness.off('change', onAwareness);
      undoManager.destroy();
      provider.destroy();
      doc.destroy();
    };
  }, [roomId, me.id, me.name]);

  return state;
}

/** The room's language as the shared map says now (before the first sync: the server's default). */
export function useSharedLanguage(meta: Y.Map<unknown> | undefined): Language {
  const subscribe = useCallback(
    (onChange: () => void) => {
      meta?.observe(onChange);
      return () => meta?.unobserve(onChange);
    },
    [meta],
  );
  return useSyncExternalStore(subscribe, () => (meta ? toLanguage(meta.get(CODE_LANGUAGE_KEY)) : DEFAULT_LANGUAGE));
}

/** Changes the room's language for everyone (a shared setting, not one person's view). */
export function setSharedLanguage(meta: Y.Map<unknown>, language: Language) {
  if (meta.get(CODE_LANGUAGE_KEY) !== language) meta.set(CODE_LANGUAGE_KEY, language);
}
