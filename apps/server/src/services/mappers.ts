import type { Attachment, Message, PublicUser, Room, RoomSummary, SealedMessage, User } from '@tandem/protocol';
import { toIso } from '../clock.ts';
import type { MessageRow } from '../store/messages.repository.ts';
import type { RoomRow, RoomSummaryRow } from '../store/rooms.repository.ts';
import type { UploadRow } from '../store/uploads.repository.ts';
import type { UserRow } from '../store/users.repository.ts';

type UserLike = Pick<UserRow, 'id' | 'username' | 'name' | 'guest'>;

export const toPublicUser = (u: UserLike): PublicUser => ({
  id: u.id,
  username: u.username,
  name: u.name,
  guest: u.guest,
});

export const toUser = (u: UserRow): User => ({
  ...toPublicUser(u),
  email: u.email,
  createdAt: toIso(u.created_at),
});

export const toRoom = (r: RoomRow): Room => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  encrypted: r.encrypted === 1,
  createdBy: r.created_by,
  createdAt: toIso(r.created_at),
});

/** A room as services hand it on: the protocol's `Room`, with its newest seq. */
export type StoredRoom = Room & { latestSeq: number };

export const toStoredRoom = (r: RoomRow): StoredRoom => ({ ...toRoom(r), latestSeq: r.last_seq });

export const toRoomSummary = (r: RoomSummaryRow, onlineCount: number): RoomSummary => ({
  ...toRoom(r),
  messageCount: r.last_seq,
  memberCount: r.member_count,
  latestSeq: r.last_seq,
  onlineCount,
  lastActivityAt: toIso(r.last_activity_at),
  membership:
    r.joined_at === null
      ? null
      : {
          joinedAt: toIso(r.joined_at),
          lastReadSeq: r.last_read_seq ?? 0,
          unreadCount: Math.max(0, r.last_seq - (r.last_read_seq ?? 0)),
        },
});

/** Links on UPLOADS_ORIGIN when one is set (`https://files.example.com/static/…`), else same-origin. */
export const attachmentMapper =
  (origin = '') =>
  (u: UploadRow): Attachment => ({
    ...toAttachment(u),
    url: `${origin}/static/${u.stored_name}`,
  });

export const toAttachment = (u: UploadRow): Attachment => ({
  id: u.id,
  url: `/static/${u.stored_name}`,
  name: u.original_name,
  size: u.size,
  contentType: u.content_type,
});

export const toMessage = (m: MessageRow, attachments: Attachment[] = []): Message => ({
  id: m.id,
  roomId: m.room_id,
  seq: m.seq,
  sender: toPublicUser({
    id: m.sender_id,
    username: m.sender_username,
    name: m.sender_name,
    guest: m.sender_guest,
  }),
  clientMessageId: m.client_message_id,
  body: m.body,
  attachments,
  sealed: m.sealed === null ? null : (JSON.parse(m.sealed) as SealedMessage),
  createdAt: toIso(m.created_at),
});
