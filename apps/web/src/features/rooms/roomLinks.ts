import type { RoomSummary } from '@tandem/protocol';

/** Where a room opens: a code room's editor (seed 001's `/room/:id`), else the chat. */
export const roomPath = (room: Pick<RoomSummary, 'id' | 'kind'>) =>
  room.kind === 'code' ? `/room/${room.id}` : `/chat/${room.id}`;
