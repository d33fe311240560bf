import type { Message, PublicUser, ServerFrame } from '@tandem/protocol';
import type { Bus } from '../bus/bus.ts';
import type { Connection } from './connection.ts';
import { PreparedFrame } from './prepared-frame.ts';

type LocalRoom = { connections: Set<Connection>; unsubscribe: () => void };

/**
 * Fan-out. Each room event is serialised and framed once, handed to this node's sockets in the
 * room as that same buffer, and published on the room's bus channel for the other nodes, which do the
 * same with their sockets. A bus payload is `<node id>\t<seq>\t<frame>`: a node skips its own
 * events (it delivered them already) and never parses a frame to forward it.
 */
export class RoomHub {
  private readonly rooms = new Map<string, LocalRoom>();
  private readonly bus: Bus;
  private readonly nodeId: string;
  private readonly observe: (deliveries: number, seconds: number) => void;

  /** `observe` hears, per event, how many sockets got it and how long handing it over took. */
  constructor(bus: Bus, nodeId: string, observe: (deliveries: number, seconds: number) => void = () => {}) {
    this.bus = bus;
    this.nodeId = nodeId;
    this.observe = observe;
  }

  enter(connection: Connection, roomId: string): void {
    let room = this.rooms.get(roomId);
    if (!room) {
      const created: LocalRoom = { connections: new Set(), unsubscribe: () => {} };
      created.unsubscribe = this.bus.subscribe(`room:${roomId}`, (payload) => this.receive(created, payload));
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
    this.bus.publish(`room:${roomId}`, `${this.nodeId}\t${seq}\t${json}`);
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

  private receive(room: LocalRoom, payload: string): void {
    const first = payload.indexOf('\t');
    const second = payload.indexOf('\t', first + 1);
    if (first < 0 || second < 0 || payload.slice(0, first) === this.nodeId) return;
    const seq = Number(payload.slice(first + 1, second));
    this.deliver(room, payload.slice(second + 1), seq);
  }
}
