import type { Attachment, SealedMessage } from '@tandem/protocol';
import { newClientMessageId } from '../ids.ts';
import { errorText } from './errors.ts';
import * as reduce from './reducers.ts';
import type { PendingMessage, RoomCrypto, RoomRealtime, RoomState } from './types.ts';

/** What the sends need of the session: the connection, the room's state, and the sealer. */
export type PendingSendsOptions = {
  realtime: Pick<RoomRealtime, 'send'>;
  /** The room's state now. */
  state: () => RoomState;
  update: (next: RoomState) => void;
  /** Encrypted rooms: what seals; undefined while the session has none. */
  crypto: () => RoomCrypto | undefined;
  now: () => Date;
};

/**
 * Your sends until the server stores them: each shows at once in `pending`, "sending" until
 * stored, or "failed" with the reason; a retry goes with the original id (and ciphertext). In an
 * encrypted room a send is sealed before it goes, and one that cannot be sealed yet (no key)
 * fails without going, to be sealed on retry. Resending after reconnects is the RealtimeClient's.
 */
export class PendingSends {
  private readonly options: PendingSendsOptions;
  /** Each send's latest attempt: a rejection of an older one is stale. */
  private readonly attempts = new Map<string, number>();
  /** Encrypted rooms: the sealed files' keys of sends that could not be sealed yet (for a retry). */
  private readonly unsealedFiles = new Map<string, readonly unknown[]>();

  constructor(options: PendingSendsOptions) {
    this.options = options;
  }

  /** Shows a send already checked and sends it, sealed first in an encrypted room; returns its id. */
  add(text: string, attachments: readonly Attachment[], files: readonly unknown[]): string {
    const { state, update } = this.options;
    const clientMessageId = newClientMessageId();
    const sealed = state().room?.encrypted ? this.seal(clientMessageId, text, files) : undefined;
    const sealError = sealed === null;
    const pending: PendingMessage = {
      clientMessageId,
      body: text,
      attachments,
      createdAt: this.options.now().toISOString(),
      status: 'sending',
      ...(sealed ? { sealed } : {}),
    };
    update(reduce.sendStarted(state(), pending));
    if (sealError) {
      this.unsealedFiles.set(clientMessageId, files);
      update(reduce.sendFailed(state(), clientMessageId, 'Could not encrypt it.'));
    } else this.dispatch(pending);
    return clientMessageId;
  }

  /**
   * A failed send goes again under its original id, so the server stores it once whatever came
   * of the first attempt; one that could not be sealed is sealed now, or stays failed.
   */
  retry(clientMessageId: string): void {
    const { state, update } = this.options;
    let pending = state().pending.find((p) => p.clientMessageId === clientMessageId);
    if (pending?.status !== 'failed') return;
    if (state().room?.encrypted && !pending.sealed) {
      const sealed = this.seal(clientMessageId, pending.body, this.unsealedFiles.get(clientMessageId) ?? []);
      if (!sealed) return;
      this.unsealedFiles.delete(clientMessageId);
      pending = { ...pending, sealed };
      update(reduce.sealed(state(), clientMessageId, sealed));
    }
    update(reduce.sendRetried(state(), clientMessageId));
    this.dispatch(pending);
  }

  /** Gives up on a failed send. */
  discard(clientMessageId: string): void {
    this.attempts.delete(clientMessageId);
    this.unsealedFiles.delete(clientMessageId);
    this.options.update(reduce.discarded(this.options.state(), clientMessageId));
  }

  private dispatch(pending: PendingMessage): void {
    const { realtime, state, update } = this.options;
    const attempt = (this.attempts.get(pending.clientMessageId) ?? 0) + 1;
    this.attempts.set(pending.clientMessageId, attempt);
    const attachmentIds = pending.attachments.map((a) => a.id);
    const { clientMessageId, sealed } = pending;
    // Sealed: the ciphertext and an empty body, never the text.
    const { done } = sealed
      ? realtime.send({ body: '', clientMessageId, attachmentIds, sealed })
      : realtime.send({ body: pending.body, clientMessageId, attachmentIds });
    done.then(
      () => this.attempts.delete(pending.clientMessageId),
      (error: unknown) => {
        if (this.attempts.get(pending.clientMessageId) !== attempt) return;
        update(reduce.sendFailed(state(), pending.clientMessageId, errorText(error, 'Not sent.')));
      },
    );
  }

  /** The ciphertext for one send, or null when this device cannot seal yet (no key). */
  private seal(clientMessageId: string, text: string, files: readonly unknown[]): SealedMessage | null {
    try {
      const crypto = this.options.crypto();
      if (!crypto) return null;
      return crypto.seal({ clientMessageId, text, files });
    } catch {
      return null;
    }
  }
}
