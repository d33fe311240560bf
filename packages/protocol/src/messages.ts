import { z } from 'zod';
import { PublicUser } from './auth.ts';
import { Id, INT32_MAX, isStorableText, STORABLE_TEXT, Timestamp } from './common.ts';
import { ATTACHMENTS_MAX, MESSAGE_MAX } from './constants.ts';
import { SealedMessage } from './e2e.ts';
import { exampleAttachment, exampleMessage } from './examples.ts';

export const HISTORY_PAGE_MAX = 100;

/** Chosen by the sender, unique per sender: a retried send with the same id is stored once. */
export const ClientMessageId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-" (a UUID fits)')
  .meta({ examples: ['0193a5c2-7c1e-7d4a-9b1e-3f2a1c0d9e8f'] });

/** Message text, trimmed. It may be empty only when the message carries attachments. */
export const MessageBody = z
  .string()
  .trim()
  .max(MESSAGE_MAX, `must be at most ${MESSAGE_MAX} characters`)
  .refine(isStorableText, STORABLE_TEXT);

/** Ids of files the sender uploaded (`POST /uploads`) and has not attached to another message. */
export const AttachmentIds = z
  .array(Id)
  .max(ATTACHMENTS_MAX, `must hold at most ${ATTACHMENTS_MAX} attachments`)
  .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an attachment')
  .default([]);

/** A message needs text, attachments, or both. */
export const hasContent = (m: { body: string; attachmentIds: string[]; sealed?: unknown }) =>
  m.body.length > 0 || m.attachmentIds.length > 0 || m.sealed !== undefined;
export const EMPTY_MESSAGE = { message: 'must not be empty: send text, attachments or both', path: ['body'] };

/** A file in a message: its link is unguessable and serves the bytes as uploaded. */
export const Attachment = z
  .object({
    id: Id,
    url: z.string().describe('`/static/<random name>`: range requests, cached for a year.'),
    name: z.string().describe('The original file name, for display and downloads.'),
    size: z.number().int().positive().describe('Bytes.'),
    contentType: z.string(),
  })
  .meta({ id: 'Attachment', examples: [exampleAttachment] });
export type Attachment = z.infer<typeof Attachment>;

export const UploadResponse = z
  .array(Attachment)
  .meta({ id: 'UploadResponse', examples: [[exampleAttachment]] })
  .describe('One entry per uploaded file, in the order sent.');
export type UploadResponse = z.infer<typeof UploadResponse>;

export const Message = z
  .object({
    id: z.string(),
    roomId: Id,
    seq: z.number().int().positive().describe('Per-room sequence number: 1, 2, 3… with no gaps.'),
    sender: PublicUser,
    clientMessageId: ClientMessageId,
    body: z.string().describe('Empty in encrypted rooms: the text is inside `sealed`.'),
    attachments: z.array(Attachment),
    // Encrypted rooms only: the ciphertext, for the members' clients to open (body is then empty).
    sealed: SealedMessage.nullable(),
    createdAt: Timestamp,
  })
  .meta({
    id: 'Message',
    examples: [exampleMessage],
  });
export type Message = z.infer<typeof Message>;

export const PostMessageRequest = z
  .object({
    // Optional on REST only (the socket's `send` frame requires it): without one the server makes
    // one, so a retried request is stored again.
    clientMessageId: ClientMessageId.optional().describe(
      'Yours to choose, unique per sender: a retry with the same id is stored once. Optional here: without it the server makes one (in encrypted rooms it takes `sealed.clientMessageId`), so a retried request may be stored twice.',
    ),
    body: MessageBody,
    attachmentIds: AttachmentIds,
    // Encrypted rooms: the ciphertext; `body` must then be empty.
    sealed: SealedMessage.optional(),
  })
  .refine(hasContent, EMPTY_MESSAGE)
  .meta({
    id: 'PostMessageRequest',
    examples: [
      { clientMessageId: '0193a5c2-7c1e-7d4a-9b1e-3f2a1c0d9e8f', body: 'Anyone on for lunch today' },
      { body: 'hello' },
      {
        clientMessageId: '0193a5c2-7c1e-7d4a-9b1e-3f2a1c0d9e90',
        body: 'The menu',
        attachmentIds: [exampleAttachment.id],
      },
    ],
  });
export type PostMessageRequest = z.input<typeof PostMessageRequest>;

const Seq = z.coerce.number().int().nonnegative().max(INT32_MAX, `must be at most ${INT32_MAX}`);

export const HistoryQuery = z.object({
  before: Seq.optional().describe('Only messages with a smaller seq: page backwards from here.'),
  after: Seq.optional().describe('Only messages with a larger seq: page forwards (catch up) from here.'),
  limit: z.coerce.number().int().min(1).max(HISTORY_PAGE_MAX).default(50),
});
export type HistoryQuery = z.input<typeof HistoryQuery>;

export const HistoryResponse = z
  .object({
    messages: z.array(Message).describe('Always in ascending seq order.'),
    hasMore: z
      .boolean()
      .describe('More messages exist in the paging direction (older without `after`, newer with it).'),
    latestSeq: z.number().int().nonnegative().describe("The room's newest seq right now."),
  })
  .meta({
    id: 'History',
    examples: [
      {
        messages: [{ ...exampleMessage, seq: 41, id: '0193a5c2-8a4f-7b21-8c3d-5e6f7a8b9c0c' }, exampleMessage],
        hasMore: true,
        latestSeq: 42,
      },
    ],
  });
export type HistoryResponse = z.infer<typeof HistoryResponse>;
