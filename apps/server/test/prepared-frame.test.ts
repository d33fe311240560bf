import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { Connection, type Socket } from '../src/realtime/connection.ts';
import { PreparedFrame, sendPrepared } from '../src/realtime/prepared-frame.ts';
import { RoomHub } from '../src/realtime/room-hub.ts';
import type { UserRow } from '../src/store/users.repository.ts';

// ws frames a message with its (untyped) Sender.frame: the reference for our bytes.
type FrameOptions = { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean };
const wsFrame = (data: Buffer, options: FrameOptions) =>
  (wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender.frame(
    data,
    options,
  );

const user: UserRow = {
  id: 'u1',
  username: 'ada',
  username_key: 'ada',
  name: null,
  email: null,
  email_key: null,
  guest: true,
  message_count: 0,
  created_at: 0,
};

describe('room events framed once', () => {
  it('builds the same bytes as ws for short, 16-bit and 64-bit lengths, in UTF-8', () => {
    for (const text of ['', 'é'.repeat(62), 'x'.repeat(126), '€'.repeat(30_000), 'y'.repeat(70_000)]) {
      const payload = Buffer.from(text);
      const expected = Buffer.concat(
        wsFrame(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }),
      );
      expect(new PreparedFrame(text).bytes.equals(expected)).toBe(true);
    }
  });

  it('hands every socket in the room the same prepared frame, held ones after their snapshot', () => {
    const hub = new RoomHub(createMemoryBus(), 'node-a');
    const got: Array<PreparedFrame | string> = [];
    const socket: Socket = {
      send: (d) => got.push(d),
      bufferedAmount: 0,
      sendPrepared: (f) => {
        got.push(f);
        return true;
      },
    };
    const make = () =>
      new Connection({
        id: 'c',
        user,
        publicUser: { id: 'u1', username: 'ada', name: null, guest: true },
        socket,
        sendBufferLimit: 1e6,
        onSlow: () => {},
      });
    const [a, b] = [make(), make()];
    hub.enter(a, 'r1');
    hub.enter(b, 'r1');
    b.holdLiveEvents();
    hub.broadcast('r1', { type: 'pong' }, 0);
    b.releaseLiveEvents(0);
    expect(got).toHaveLength(2);
    expect(got[0]).toBeInstanceOf(PreparedFrame);
    expect(got[1]).toBe(got[0]);
    expect((got[0] as PreparedFrame).text).toBe('{"type":"pong"}');
  });

  it('checks the buffer cap only while a socket is past its high-water mark, and cuts it there', () => {
    let reads = 0;
    let buffered = 0;
    let pastMark = false;
    let cut = 0;
    const socket: Socket = {
      send: () => {},
      get bufferedAmount() {
        reads += 1;
        return buffered;
      },
      sendPrepared: () => !pastMark,
    };
    const connection = new Connection({
      id: 'c',
      user,
      publicUser: { id: 'u1', username: 'ada', name: null, guest: true },
      socket,
      sendBufferLimit: 1000,
      onSlow: () => {
        cut += 1;
      },
    });
    const frame = new PreparedFrame('{"type":"pong"}');
    for (let i = 0; i < 10; i++) connection.deliver(frame, 0);
    expect(reads).toBe(1); // the first send, before any write said where the buffer stands
    pastMark = true;
    buffered = 500;
    connection.deliver(frame, 0);
    connection.deliver(frame, 0);
    expect(reads).toBe(2);
    expect(cut).toBe(0);
    buffered = 5000;
    connection.deliver(frame, 0);
    expect(cut).toBe(1);
    expect(connection.isOpen).toBe(false);
  });

  it('reaches a real ws client intact, in order with frames sent the usual way', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const [peer] = (await accepted) as [WebSocket];
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (data) => {
        received.push(String(data));
        if (received.length === 4) resolve();
      }),
    );
    await once(client, 'open');
    peer.send('first');
    sendPrepared(peer, new PreparedFrame('ünïcode'));
    sendPrepared(peer, new PreparedFrame('z'.repeat(70_000)));
    peer.send('last');
    await all;
    expect(received.map((r) => r.slice(0, 8))).toEqual(['first', 'ünïcode', 'zzzzzzzz', 'last']);
    expect(received[2]).toHaveLength(70_000);
    client.close();
    server.close();
  });
});
