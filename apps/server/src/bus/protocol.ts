import { z } from 'zod';

/**
 * What nodes say to each other on the bus: one typed, versioned union. Every payload a node
 * publishes is made by `encode…` here and every payload it receives goes through `decode…`, so
 * two nodes of different versions (a rolling deploy gone wrong) or a stray publisher fail loudly:
 * the receiver drops what it cannot read, says why (`BusRejection`), and the caller logs it and
 * counts it (`tandem_bus_rejected_total{channel,reason}`), instead of crashing on it or acting on
 * half of it.
 *
 * Two encodings:
 * - Room events (`room:<id>` channels) are forwarded to sockets as they are, never parsed: the
 *   payload is a tab-separated header and the frame, `<v>\t<node>\t<seq>\t<frame json>`. Only the
 *   header is checked (version, node id, sequence number), so the frame stays the one serialised
 *   string the sending node made (realtime/room-hub.ts, prepared-frame.ts).
 * - Everything else (presence, lobby activity, sessions and memberships ended) is JSON with `v`
 *   and a kind `t`, validated by the zod schemas below.
 *
 * Changing what a message means, or removing a field a receiver needs, is a new version: bump
 * `BUS_PROTOCOL_VERSION`. Nodes of the old and the new version then reject each other's messages
 * (counted, logged) rather than misread them; deploy with the cluster drained or all at once.
 */
export const BUS_PROTOCOL_VERSION = 1;

/** Why a received payload was dropped. */
export type BusRejectReason = 'malformed' | 'version' | 'invalid';
export type BusRejection = { reason: BusRejectReason; detail: string };
export type Decoded<T> = { ok: true; message: T } | { ok: false; rejection: BusRejection };

/** Hears every payload dropped on receipt, with its channel (for logs and metrics). */
export type OnBusRejected = (channel: string, rejection: BusRejection) => void;

// A user as presence carries it: the fields of PublicUser, checked for shape only (a user already
// stored is not re-validated against today's sign-up rules).
const BusUser = z.object({
  id: z.string().min(1),
  username: z.string(),
  name: z.string().nullable(),
  guest: z.boolean(),
});
const Node = z.string().min(1);
const v = z.literal(BUS_PROTOCOL_VERSION);

/** Presence (realtime/presence.ts), channel `presence`. */
export const PresenceMessage = z.discriminatedUnion('t', [
  z.object({ v, t: z.literal('delta'), node: Node, room: z.string().min(1), user: BusUser, on: z.boolean() }),
  z.object({ v, t: z.literal('beat'), node: Node }),
  z.object({ v, t: z.literal('ask'), node: Node }),
  z.object({ v, t: z.literal('state'), node: Node, rooms: z.record(z.string(), z.array(BusUser)) }),
  z.object({ v, t: z.literal('bye'), node: Node }),
]);
export type PresenceMessage = z.infer<typeof PresenceMessage>;

/** Room-list activity (realtime/lobby.ts), channel `lobby`. */
export const LobbyMessage = z.object({
  v,
  t: z.literal('activity'),
  node: Node,
  roomId: z.string().min(1),
  latestSeq: z.number().int().nonnegative().optional(),
  lastActivityAt: z.string().optional(),
});
export type LobbyMessage = z.infer<typeof LobbyMessage>;

/** Sessions revoked and memberships ended (realtime/index.ts), channel `accounts`. */
export const AccountMessage = z.discriminatedUnion('t', [
  z.object({ v, t: z.literal('session'), tokenHash: z.string().min(1), why: z.enum(['signed_out', 'replaced']) }),
  z.object({ v, t: z.literal('left'), roomId: z.string().min(1), userId: z.string().min(1) }),
]);
export type AccountMessage = z.infer<typeof AccountMessage>;

/** The JSON messages, one union (the room events are framed separately, see above). */
export const BusMessage = z.union([PresenceMessage, LobbyMessage, AccountMessage]);
export type BusMessage = z.infer<typeof BusMessage>;

/** A message without its version: what callers build; `encode` adds the version. */
type Unversioned<T> = T extends unknown ? Omit<T, 'v'> : never;

export function encode<T extends BusMessage>(message: Unversioned<T>): string {
  return JSON.stringify({ v: BUS_PROTOCOL_VERSION, ...message });
}

/** Parses and validates a JSON bus message against the schema of its channel. */
export function decode<T>(schema: z.ZodType<T>, payload: string): Decoded<T> {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { ok: false, rejection: { reason: 'malformed', detail: 'not JSON' } };
  }
  if (typeof value !== 'object' || value === null || !('v' in value)) {
    return { ok: false, rejection: { reason: 'malformed', detail: 'no version' } };
  }
  if (value.v !== BUS_PROTOCOL_VERSION) {
    return { ok: false, rejection: { reason: 'version', detail: `version ${String(value.v)}` } };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      rejection: { reason: 'invalid', detail: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : '' },
    };
  }
  return { ok: true, message: parsed.data };
}

/** A room event as it travels: who sent it, its sequence number (0: none) and the frame, unparsed. */
export type RoomEvent = { node: string; seq: number; frame: string };

const VERSION_PREFIX = `${BUS_PROTOCOL_VERSION}\t`;

export function encodeRoomEvent(node: string, seq: number, frame: string): string {
  return `${VERSION_PREFIX}${node}\t${seq}\t${frame}`;
}

/**
 * Checks a room event's header only (version, node, seq) and hands the frame over as the same
 * string slice, never parsed: it goes to the sockets as it is.
 */
export function decodeRoomEvent(payload: string): Decoded<RoomEvent> {
  const first = payload.indexOf('\t');
  if (first < 0) return { ok: false, rejection: { reason: 'malformed', detail: 'no header' } };
  if (!payload.startsWith(VERSION_PREFIX)) {
    const version = payload.slice(0, Math.min(first, 16));
    return /^\d+$/.test(version)
      ? { ok: false, rejection: { reason: 'version', detail: `version ${version}` } }
      : { ok: false, rejection: { reason: 'malformed', detail: 'no version' } };
  }
  const second = payload.indexOf('\t', first + 1);
  const third = second < 0 ? -1 : payload.indexOf('\t', second + 1);
  if (second <= first + 1 || third < 0)
    return { ok: false, rejection: { reason: 'malformed', detail: 'short header' } };
  const seq = Number(payload.slice(second + 1, third));
  if (!Number.isSafeInteger(seq) || seq < 0 || third === second + 1) {
    return { ok: false, rejection: { reason: 'invalid', detail: 'seq' } };
  }
  // A frame is a JSON object; the first character is all that is checked here.
  if (payload.charCodeAt(third + 1) !== 0x7b /* { */) {
    return { ok: false, rejection: { reason: 'invalid', detail: 'frame is not a JSON object' } };
  }
  return { ok: true, message: { node: payload.slice(first + 1, second), seq, frame: payload.slice(third + 1) } };
}
