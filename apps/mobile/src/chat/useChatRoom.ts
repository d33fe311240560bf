import { newClientMessageId } from '@tandem/client';
import type { Message, PublicUser, SealedMessage } from '@tandem/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { AppState } from 'react-native';
import { errorMessage } from '../errors.ts';
import type { OpenRoom } from '../rooms/FrontScreen.tsx';
import { type Realtime, useServices } from '../services.tsx';

/** A message on its way: shown at once as "sending…", replaced by the stored one when it arrives. */
export type Outgoing = { clientMessageId: string; text: string; state: 'sending' | 'failed'; error?: string };

type Typist = { user: PublicUser; until: number };

const HISTORY_PAGE = 50;
const TYPING_REFRESH_MS = 3000;

const bySeq = (a: Message, b: Message) => a.seq - b.seq;

function merge(existing: Message[], incoming: readonly Message[]): Message[] {
  const ids = new Set(existing.map((m) => m.id));
  const fresh = incoming.filter((m) => !ids.has(m.id));
  return fresh.length === 0 ? existing : [...existing, ...fresh].sort(bySeq);
}

/**
 * One room's conversation over the shared realtime client: the join snapshot, live messages in
 * seq order and each once (the client resumes after reconnects), read positions for "seen",
 * who is typing, older pages on demand, and sends that survive a dropped connection.
 */
export function useChatRoom(room: OpenRoom, realtime: Realtime, me: PublicUser) {
  const { rest, serverUrl } = useServices();
  const [messages, setMessages] = useState<Message[]>([]);
  const [joined, setJoined] = useState(false);
  const [joinError, setJoinError] = useState<string>();
  const [hasMore, setHasMore] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string>();
  const [reads, setReads] = useState<Record<string, number>>({});
  const [typists, setTypists] = useState<Record<string, Typist>>({});
  const [status, setStatus] = useState(realtime.status);
  const [outgoing, setOutgoing] = useState<Outgoing[]>([]);

  useEffect(() => {
    let live = true;
    const stops = [
      realtime.on('status', setStatus),
      realtime.on('joined', (frame) => {
        if (frame.room.id !== room.id) return;
        setJoined(true);
        setJoinError(undefined);
        setReads((now) => {
          const next = { ...now };
          for (const r of frame.reads) next[r.userId] = Math.max(next[r.userId] ?? 0, r.seq);
          return next;
        });
        // Not resumed: start afresh from the snapshot; resumed: the missed ones follow as messages.
        if (!frame.resumed) {
          setMessages(frame.messages);
          setHasMore(frame.hasMore);
        }
      }),
      realtime.on('message', (message) => {
        if (message.roomId !== room.id) return;
        setMessages((now) => merge(now, [message]));
        setOutgoing((now) => now.filter((o) => o.clientMessageId !== message.clientMessageId));
      }),
      realtime.on('read', (frame) =>
        setReads((now) => (frame.seq > (now[frame.userId] ?? 0) ? { ...now, [frame.userId]: frame.seq } : now)),
      ),
      realtime.on('typing', (frame) => {
        if (frame.user.id === me.id) return;
        setTypists((now) => {
          const next = { ...now };
          if (frame.active) next[frame.user.id] = { user: frame.user, until: Date.now() + frame.expiresInMs };
          else delete next[frame.user.id];
          return next;
        });
      }),
      realtime.on('sendFailed', ({ clientMessageId, message }) =>
        setOutgoing((now) =>
          now.map((o) => (o.clientMessageId === clientMessageId ? { ...o, state: 'failed', error: message } : o)),
        ),
      ),
    ];
    realtime.join({ roomId: room.id }).catch((error) => {
      if (live) setJoinError(errorMessage(error, serverUrl));
    });
    // Back from the background: reconnect now (or prove the socket alive) and catch up.
    const appState = AppState.addEventListener('change', (state) => {
      if (state === 'active') realtime.wake();
    });
    return () => {
      live = false;
      for (const stop of stops) stop();
      appState.remove();
      realtime.leave();
    };
  }, [realtime, room.id, me.id, serverUrl]);

  // Typing leases end on their own: drop the ones that ran out.
  useEffect(() => {
    const ends = Object.values(typists).map((t) => t.until);
    if (ends.length === 0) return;
    const timer = setTimeout(
      () => setTypists((now) => Object.fromEntries(Object.entries(now).filter(([, t]) => t.until > Date.now()))),
      Math.max(0, Math.min(...ends) - Date.now()) + 10,
    );
    return () => clearTimeout(timer);
  }, [typists]);

  // Everything shown has been read: that is the others' "seen".
  const lastMarked = useRef(0);
  const latest = messages.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (latest > lastMarked.current && AppState.currentState !== 'background') {
      lastMarked.current = latest;
      realtime.markRead(latest);
    }
  }, [latest, realtime]);

  const loadOlder = useCallback(async () => {
    const first = messages[0]?.seq;
    if (!hasMore || loadingOlder || first === undefined) return;
    setLoadingOlder(true);
    setOlderError(undefined);
    try {
      const page = await rest.history(room.id, { before: first, limit: HISTORY_PAGE });
      setMessages((now) => merge(now, page.messages));
      setHasMore(page.hasMore);
    } catch (error) {
      setOlderError(errorMessage(error, serverUrl));
    } finally {
      setLoadingOlder(false);
    }
  }, [messages, hasMore, loadingOlder, rest, room.id, serverUrl]);

  const typingSentAt = useRef(0);
  const reportTyping = useCallback(
    (text: string) => {
      if (text.trim() === '') {
        if (typingSentAt.current !== 0) realtime.typing(false);
        typingSentAt.current = 0;
      } else if (Date.now() - typingSentAt.current > TYPING_REFRESH_MS) {
        typingSentAt.current = Date.now();
        realtime.typing(true);
      }
    },
    [realtime],
  );

  /** Sends `text`; `seal` turns it into ciphertext in an encrypted room (the body is then empty). */
  const send = useCallback(
    (text: string, seal?: (clientMessageId: string) => SealedMessage) => {
      const clientMessageId = newClientMessageId();
      typingSentAt.current = 0;
      setOutgoing((now) => [...now, { clientMessageId, text, state: 'sending' }]);
      try {
        const sealed = seal?.(clientMessageId);
        const { done } = realtime.send(sealed ? '' : text, clientMessageId, [], sealed);
        done
          .then((stored) => {
            setMessages((now) => merge(now, [stored]));
            setOutgoing((now) => now.filter((o) => o.clientMessageId !== clientMessageId));
          })
          .catch((error: unknown) =>
            setOutgoing((now) =>
              now.map((o) =>
                o.clientMessageId === clientMessageId
                  ? { ...o, state: 'failed', error: error instanceof Error ? error.message : 'Not sent.' }
                  : o,
              ),
            ),
          );
      } catch {
        setOutgoing((now) =>
          now.map((o) =>
            o.clientMessageId === clientMessageId ? { ...o, state: 'failed', error: 'Could not encrypt it.' } : o,
          ),
        );
      }
    },
    [realtime],
  );

  /** A failed message goes again under a new id (the failed one was never stored). */
  const retry = useCallback(
    (clientMessageId: string, seal?: (clientMessageId: string) => SealedMessage) => {
      const failed = outgoing.find((o) => o.clientMessageId === clientMessageId);
      if (!failed) return;
      setOutgoing((now) => now.filter((o) => o.clientMessageId !== clientMessageId));
      send(failed.text, seal);
    },
    [outgoing, send],
  );

  return {
    messages,
    outgoing,
    joined,
    joinError,
    hasMore,
    loadingOlder,
    olderError,
    loadOlder,
    reads,
    typing: Object.values(typists).map((t) => t.user),
    status,
    reportTyping,
    send,
    retry,
  };
}
