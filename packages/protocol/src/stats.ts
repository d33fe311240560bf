import { z } from 'zod';
import { Id } from './common.ts';

export const StatsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export const RoomMessageCounts = z
  .object({ rooms: z.array(z.object({ roomId: Id, name: z.string(), messageCount: z.number().int().nonnegative() })) })
  .meta({
    id: 'RoomMessageCounts',
    examples: [{ rooms: [{ roomId: 'q3Z8vJb0S4mYdE1xKpLr2w', name: 'Room 1', messageCount: 42 }] }],
  });
export type RoomMessageCounts = z.infer<typeof RoomMessageCounts>;

export const UserMessageCounts = z
  .object({
    users: z.array(z.object({ userId: Id, username: z.string(), messageCount: z.number().int().nonnegative() })),
  })
  .meta({
    id: 'UserMessageCounts',
    examples: [{ users: [{ userId: 'UXkV1n3c9Lw2bq7ZsA0ePg', username: 'alice', messageCount: 17 }] }],
  });
export type UserMessageCounts = z.infer<typeof UserMessageCounts>;
