import type { Attachment, Message, PublicUser, RoomSummary, SealedMessage } from '@tandem/protocol';
import type { ConnectionStatus, RealtimeClient } from '../realtime.ts';
import type { RestClient } from '../rest.ts';

/**
 * What a RoomSession uses of the realtime connection: RealtimeClient's public API, nothing else.
 * Tests pass `FakeRealtime` (`@tandem/client/testing`) or a RealtimeClient over a scripted socket.
 */
export type RoomRealtime = Pick<RealtimeClient, 'on' | 'join' | 'send' | 'typing' | 'markRead' | 'leave'> & {
  readonly roomId: string | null;
  readonly lastSeq: number;
  readonly status: ConnectionStatus;
  readonly pending: number;
};

/** Older pages come over REST. */
export type RoomHistory = Pick<RestClient, 'history'>;

/** A sealed message as this device can show it. */
export type OpenedMessage =
  /** Opened and verified: `text` is what to show; `files` are the sealed files it carries (opaque here). */
  | { state: 'open'; text: string; files?: readonly unknown[] }
  /** Not openable yet (no room key, the sender's device not fetched yet): may open later. */
  | { state: 'waiting'; notice: string }
  /** Opened and refused, for good: "This message could not be verified". */
  | { state: 'unverified'; notice: string };

/**
 * Encrypted rooms plug in here: the room's messages opened on this device, and the outgoing text
 * sealed. `EncryptedRoomSession` provides it (`roomCrypto()` in `@tandem/client/e2e`); the
 * RoomSession itself knows nothing of keys.
 */
export type RoomCrypto = {
  /** Each sealed message of `messages` (others are skipped), by message id. Never throws. */
  open(messages: readonly Message[]): ReadonlyMap<string, OpenedMessage>;
  /** Called when what `open` would say may have changed (a key arrived, devices were fetched). */
  subscribe(listener: () => void): () => void;
  /** The ciphertext for one send; throws when this device cannot seal yet (no key). */
  seal(input: { clientMessageId: string; text: string; files?: readonly unknown[] }): SealedMessage;
};

/** Someone came or went (or, in encrypted rooms, their keys changed): shown after `afterSeq`. */
export type Notice = { id: string; kind: 'join' | 'leave' | 'keys'; user: PublicUser; at: string; afterSeq: number };

/** A message of yours on its way: "sending" until stored, or "failed" with the reason (retry keeps its id). */
export type PendingMessage = {
  clientMessageId: string;
  /** What you wrote (in encrypted rooms only shown here; `sealed` is what goes). */
  body: string;
  attachments: readonly Attachment[];
  createdAt: string;
  status: 'sending' | 'failed';
  error?: string;
  sealed?: SealedMessage;
};

export type RoomState = {
  roomId: string;
  /** Undefined until the first join snapshot. */
  room: RoomSummary | undefined;
  /** Ascending seq, each once. */
  messages: readonly Message[];
  /** Older messages exist before messages[0]. */
  hasMore: boolean;
  loadingOlder: boolean;
  olderError: string | undefined;
  present: readonly PublicUser[];
  /** userId → the last seq that person read. */
  reads: Readonly<Record<string, number>>;
  /**
   * The last seq you had read when the room was first joined here (0: nothing), kept while the
   * room stays open: a "New messages" line goes after it, even once what follows is marked read.
   * Undefined until the first join snapshot.
   */
  readWhenOpened: number | undefined;
  /** Who is typing right now, you never included. */
  typing: readonly PublicUser[];
  notices: readonly Notice[];
  /** Your sends not yet stored, in the order made. */
  pending: readonly PendingMessage[];
  /** Encrypted rooms: each sealed message as opened here, by message id. */
  opened: ReadonlyMap<string, OpenedMessage>;
  connection: ConnectionStatus;
  /** joining → joined; removed: the membership ended elsewhere; failed: the join was refused. */
  phase: 'idle' | 'joining' | 'joined' | 'removed' | 'failed';
  /** Why the room was left unasked, or why the join failed. */
  error: string | undefined;
};

export const initialRoomState = (roomId: string, connection: ConnectionStatus = 'idle'): RoomState => ({
  roomId,
  room: undefined,
  messages: [],
  hasMore: false,
  loadingOlder: false,
  olderError: undefined,
  present: [],
  reads: {},
  readWhenOpened: undefined,
  typing: [],
  notices: [],
  pending: [],
  opened: new Map(),
  connection,
  phase: 'idle',
  error: undefined,
});
