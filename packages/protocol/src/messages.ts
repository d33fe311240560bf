import { z } from 'zod';
import { PublicUser } from './auth.ts';
import { Id, Timestamp } from './common.ts';
import { exampleMessage } from './examples.ts';

export const MESSAGE_MAX = 4000;
export const HISTORY_PAGE_MAX = 100;

/** Chosen by the sender, unique per sender: a retried send with the same id is stored once. */
export const ClientMessageId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-" (a UUID fits)')
  .meta({ examples: ['0193a5c2-7c1e-7d4a-9b1e-3f2a1c0d9e8f'] });

export const MessageBody = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MESSAGE_MAX, `must be at most ${MESSAGE_MAX} characters`);

export const Message = z
  .object({
    id: z.string(),
    roomId: Id,
    seq: z.number().int().positive().describe('Per-room sequence number: 1, 2, 3… with no gaps.'),
    sender: PublicUser,
    clientMessageId: ClientMessageId,
    body: z.string(),
    createdAt: Timestamp,
  })
  .meta({
    id: 'Message',
    examples: [exampleMessage],
  });
export type Message = z.infer<typeof Message>;

export const PostMessageRequest = z.object({ clientMessageId: ClientMessageId, body: MessageBody }).meta({
  id: 'PostMessageRequest',
  examples: [{ clientMessageId: '0193a5c2-7c1e-7d4a-9b1e-3f2a1c0d9e8f', body: 'Anyone on for lunch today' }],
});
export type PostMessageRequest = z.infer<typeof PostMessageRequest>;

const Seq = z.coerce.number().int().nonnegative();

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
