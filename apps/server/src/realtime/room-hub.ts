import type { Message, PublicUser, ServerFrame } from '@tandem/protocol';
import type { Bus, BusRecovery, PublishOptions } from '../bus/bus.ts';
import { decodeRoomEvent, encodeRoomEvent, type OnBusRejected } from '../bus/protocol.ts';
import type { Connection } from './connection.ts';
import { PreparedFrame } from './prepared-frame.ts';

type LocalRoom = { connections: Set<Connection>; unsubscribe: () => void };

/**
 * Fan-out. Each room event is serialised and framed once, handed to this node's sockets in the
 * room as that same buffer, and published on the room's bus channel for the other nodes, which do the
 * same with their sockets. A bus payload is `<version>\t<node id>\t<seq>\t<frame>` (bus/protocol.ts):
 * a node checks the header only, skips its own events (it delivered them already) and never parses
 * a frame to forward it.
 */
export class RoomHub {
  private readonly rooms = new Map<string, LocalRoom>();
  private readonly bus: Bus;
  private readonly nodeId: string;
  private readonly observe: (deliveries: number, seconds: number) => void;
  private readonly rejected: OnBusRejected;

  /**
   * `observe` hears, per event, how many sockets got it and how long handing it over took;
   * `rejected`, every payload from the bus dropped because its header is not this version's.
   */
  constructor(
    bus: Bus,
    nodeId: string,
    observe: (deliveries: number, seconds: number) => void = () => {},
    rejected: OnBusRejected = () => {},
  ) {
    this.bus = bus;
    this.nodeId = nodeId;
    this.observe = observe;
    this.rejected = rejected;
  }

  enter(connection: Connection, roomId: string): void {
    let room = this.rooms.get(roomId);
    if (!room) {
      const created: LocalRoom = { connections: new Set(), unsubscribe: () => {} };
      const channel = `room:${roomId}`;
      created.unsubscribe = this.bus.subscribe(channel, (payload) => this.receive(created, channel, payload));
      this.rooms.set(roomId, created);
      room = created;
    }
    room.connections.add(connection);
  }

  exit(connection: Connection, roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.connections.delete(connection);
    if (room.connections.size === 0) {
      room.unsubscribe();
      this.rooms.delete(roomId);
    }
  }

  /** Sends a frame to every socket in the room on every node. */
  broadcast(roomId: string, frame: ServerFrame, seq = 0): void {
    const json = JSON.stringify(frame);
    this.deliverLocal(roomId, json, seq);
    this.bus.publish(`room:${roomId}`, encodeRoomEvent(this.nodeId, seq, json), replayOf(frame));
  }

  /**
   * The bus was down or lost some of this node's publishes: sockets that may have missed events
   * are told to resync (rejoin with their lastSeq, which brings messages, presence and reads up
   * to date). If this node's subscriptions were cut, that is every socket here; rooms whose
   * events from this node were lost are told on the other nodes. Returns the sockets told here.
   */
  recover(recovery: BusRecovery): number {
    let told = 0;
    if (recovery.missedIncoming) {
      for (const [roomId, room] of this.rooms) {
        const frame: ServerFrame = { type: 'resync', roomId, reason: 'this server lost its link to the other servers' };
        this.deliver(room, JSON.stringify(frame), 0);
        told += room.connections.size;
      }
    }
    for (const channel of recovery.droppedChannels) {
      if (!channel.startsWith('room:')) continue;
      const roomId = channel.slice('room:'.length);
      const frame: ServerFrame = { type: 'resync', roomId, reason: 'events from another server were lost' };
      // Replayed if this is lost too; sent only to the other nodes (this node's sockets had every event).
      this.bus.publish(channel, encodeRoomEvent(this.nodeId, 0, JSON.stringify(frame)), { replay: `resync:${roomId}` });
    }
    return told;
  }

  announceMessage(message: Message): void {
    this.broadcast(message.roomId, { type: 'message', message }, message.seq);
  }

  /** Sends a frame to this node's sockets in the room only (presence notices are derived per node). */
  broadcastLocal(roomId: string, frame: ServerFrame): void {
    this.deliverLocal(roomId, JSON.stringify(frame), 0);
  }

  presenceNotice(roomId: string, user: PublicUser, action: 'join' | 'leave'): void {
    this.broadcastLocal(roomId, { type: 'presence', roomId, action, user });
  }

  connections(): Iterable<Connection> {
    const all = new Set<Connection>();
    for (const room of this.rooms.values()) for (const c of room.connections) all.add(c);
    return all;
  }

  localRoomCount(): number {
    return this.rooms.size;
  }

  private deliverLocal(roomId: string, json: string, seq: number): void {
    const room = this.rooms.get(roomId);
    if (room) this.deliver(room, json, seq);
  }

  private deliver(room: LocalRoom, json: string, seq: number): void {
    const start = performance.now();
    const frame = new PreparedFrame(json);
    for (const connection of room.connections) connection.deliver(frame, seq);
    this.observe(room.connections.size, (performance.now() - start) / 1000);
  }

  private receive(room: LocalRoom, channel: string, payload: string): void {
    const decoded = decodeRoomEvent(payload);
    if (!decoded.ok) {
      this.rejected(channel, decoded.rejection);
      return;
    }
    const { node, seq, frame } = decoded.message;
    if (node !== this.nodeId) this.deliver(room, frame, seq);
  }
}

/**
 * Which room events the bus replays after an outage: those that carry a state (the latest
 * typing and read position of each user), never history. A lost message is caught up by a
 * resync. Key requests and envelope notices are not replayed: receiving one twice is not
 * known to be harmless.
 */
function replayOf(frame: ServerFrame): PublishOptions | undefined {
  if (frame.type === 'typing') return { replay: `typing:${frame.roomId}:${frame.user.id}` };
  if (frame.type === 'read') return { replay: `read:${frame.roomId}:${frame.userId}` };
  return undefined;
}
