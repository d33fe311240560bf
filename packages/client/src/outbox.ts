import type { Message, SealedMessage } from '@tandem/protocol';

/** A send waiting for its ack: text, and the ids of files uploaded for it (if any). */
export type PendingSend = {
  clientMessageId: string;
  roomId: string;
  body: string;
  attachmentIds: string[];
  /** Encrypted rooms: the ciphertext (body is then empty). */
  sealed?: SealedMessage | undefined;
};

type Entry = PendingSend & { resolve: (m: Message) => void; reject: (e: Error) => void };

/**
 * Sends not yet acknowledged, in the order they were made. Each has a promise that settles
 * when the server stores it (resolve) or refuses it for good (reject). An entry made before
 * its room was known has roomId '' until `bindUnbound` gives it one.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  add(send: PendingSend): Promise<Message> {
    const done = new Promise<Message>((resolve, reject) => {
      this.entries.set(send.clientMessageId, { ...send, resolve, reject });
    });
    // Callers that only watch events must not trigger unhandled-rejection warnings.
    done.catch(() => {});
    return done;
  }

  get(clientMessageId: string): PendingSend | undefined {
    return this.entries.get(clientMessageId);
  }

  /** The server stored it: settle and forget. */
  acknowledge(message: Message): void {
    const entry = this.entries.get(message.clientMessageId);
    if (!entry) return;
    this.entries.delete(message.clientMessageId);
    entry.resolve(message);
  }

  /** It will never be stored as it is: settle with the error and forget. */
  fail(clientMessageId: string, error: Error): void {
    const entry = this.entries.get(clientMessageId);
    if (!entry) return;
    this.entries.delete(clientMessageId);
    entry.reject(error);
  }

  failAll(error: Error): void {
    for (const id of [...this.entries.keys()]) this.fail(id, error);
  }

  /** Gives sends made before the room was known their room. */
  bindUnbound(roomId: string): void {
    for (const entry of this.entries.values()) if (entry.roomId === '') entry.roomId = roomId;
  }

  forRoom(roomId: string): PendingSend[] {
    return [...this.entries.values()].filter((e) => e.roomId === roomId);
  }
}
