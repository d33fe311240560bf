import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { Attachment, Message, SealedMessage } from '@tandem/protocol';
import { toAppError } from '../../app/errors.ts';
import type { AppThunk } from '../../app/store.ts';
import { authApi } from '../auth/authApi.ts';
import { sessionEnded } from '../auth/authSlice.ts';

/** A message on its way: shown at once, marked "sending" until stored, or "failed" with the reason. */
export type OutgoingMessage = {
  clientMessageId: string;
  roomId: string;
  body: string;
  /** Files already uploaded (`POST /uploads`) that go with it. */
  attachments: Attachment[];
  createdAt: string;
  status: 'sending' | 'failed';
  error?: string;
  /** Encrypted rooms: what actually goes to the server (`body` is only shown here). */
  sealed?: SealedMessage;
};

type OutboxState = { messages: OutgoingMessage[] };

const initialState: OutboxState = { messages: [] };

export const outboxSlice = createSlice({
  name: 'outbox',
  initialState,
  reducers: {
    sendStarted(state, action: PayloadAction<Omit<OutgoingMessage, 'status'>>) {
      state.messages.push({ ...action.payload, status: 'sending' });
    },
    sendRetried(state, action: PayloadAction<string>) {
      const message = state.messages.find((m) => m.clientMessageId === action.payload);
      if (message) {
        message.status = 'sending';
        delete message.error;
      }
    },
    /** Stored: from now on the room's timeline shows it. */
    sendStored(state, action: PayloadAction<string>) {
      state.messages = state.messages.filter((m) => m.clientMessageId !== action.payload);
    },
    sendFailed(state, action: PayloadAction<{ clientMessageId: string; error: string }>) {
      const message = state.messages.find((m) => m.clientMessageId === action.payload.clientMessageId);
      if (message) {
        message.status = 'failed';
        message.error = action.payload.error;
      }
    },
    sendDiscarded(state, action: PayloadAction<string>) {
      state.messages = state.messages.filter((m) => m.clientMessageId !== action.payload);
    },
  },
  extraReducers: (builder) => {
    // Another person may sign in next on this device: nothing of this one's stays.
    builder
      .addCase(sessionEnded, () => initialState)
      .addMatcher(authApi.endpoints.logout.matchFulfilled, () => initialState);
  },
  selectors: {
    selectOutbox: (state) => state.messages,
  },
});

export const { sendStarted, sendRetried, sendStored, sendFailed, sendDiscarded } = outboxSlice.actions;
export const { selectOutbox } = outboxSlice.selectors;

function settle(clientMessageId: string, done: Promise<Message>): AppThunk {
  return (dispatch) => {
    done.then(
      () => dispatch(sendStored(clientMessageId)),
      (error: unknown) => dispatch(sendFailed({ clientMessageId, error: toAppError(error).message })),
    );
  };
}

/**
 * Sends over the socket, with the ids of files already uploaded (seed 004: the text goes over
 * the socket once the uploads are done). The client keeps it until the server stores it,
 * resending it with the same id after a reconnect, so it is stored once however often it goes out.
 */
export function sendMessage(roomId: string, body: string, attachments: Attachment[] = []): AppThunk {
  return (dispatch, _getState, { realtime }) => {
    const createdAt = new Date().toISOString();
    const attachmentIds = attachments.map((a) => a.id);
    const { clientMessageId, done } = realtime.get().send(body, undefined, attachmentIds);
    dispatch(sendStarted({ clientMessageId, roomId, body, attachments, createdAt }));
    dispatch(settle(clientMessageId, done));
  };
}

/**
 * Encrypted rooms: the text is sealed in the browser and goes over the socket with an empty body
 * and the sealed message; like any send it is kept and resent with the same id after reconnects.
 */
export function sendSealedMessage(
  roomId: string,
  body: string,
  seal: (clientMessageId: string) => SealedMessage,
  attachments: Attachment[] = [],
): AppThunk {
  return (dispatch, _getState, { realtime }) => {
    const clientMessageId = crypto.randomUUID();
    const sealed = seal(clientMessageId);
    dispatch(sendStarted({ clientMessageId, roomId, body, attachments, createdAt: new Date().toISOString(), sealed }));
    const attachmentIds = attachments.map((a) => a.id);
    const { done } = realtime.get().send('', clientMessageId, attachmentIds, sealed);
    dispatch(settle(clientMessageId, done));
  };
}

/** Tries a failed message again with its original id: if it was stored after all, it is not doubled. */
export function retrySend(clientMessageId: string): AppThunk {
  return (dispatch, getState, { realtime }) => {
    const message = getState().outbox.messages.find((m) => m.clientMessageId === clientMessageId);
    if (!message) return;
    dispatch(sendRetried(clientMessageId));
    const attachmentIds = message.attachments.map((a) => a.id);
    // Sealed: the same ciphertext again with an empty body, never the text.
    const { done } = message.sealed
      ? realtime.get().send('', clientMessageId, attachmentIds, message.sealed)
      : realtime.get().send(message.body, clientMessageId, attachmentIds);
    dispatch(settle(clientMessageId, done));
  };
}
