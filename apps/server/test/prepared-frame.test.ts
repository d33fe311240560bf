import { once } from 'node:events';
import { type AddressInfo, Socket as NetSocket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import * as wsModule from 'ws';
import { type ServerOptions, WebSocket, WebSocketServer } from 'ws';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { Connection, type Socket } from '../src/realtime/connection.ts';
import { PreparedFrame, sendPrepared } from '../src/realtime/prepared-frame.ts';
import { RoomHub } from '../src/realtime/room-hub.ts';
import { asUser } from './helpers.ts';

// ws frames a message with its (untyped) Sender.frame: the reference for our bytes.
type FrameOptions = { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean };
const wsFrame = (data: Buffer, options: FrameOptions) =>
  (wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender.frame(
    data,
    options,
  );

const user = asUser({ id: 'u1', username: 'ada' });

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

/** A server-side `ws` socket and the client at the other end, with what the client received. */
async function wsPair(options: ServerOptions = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const [peer] = (await accepted) as [WebSocket];
  await once(client, 'open');
  const received: string[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (data) => {
    received.push(String(data));
    for (const wake of waiters) wake();
  });
  /** Resolves once `count` messages have arrived. */
  const receivedCount = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => received.length >= count && resolve();
      waiters.push(check);
      check();
    });
  const internals = peer as unknown as {
    _socket: NetSocket & { write: NetSocket['write'] };
    _sender: { _socket: unknown; _state: unknown; _queue: unknown[] };
  };
  const close = () => {
    client.terminate();
    server.close();
  };
  return { peer, client, received, receivedCount, internals, close };
}

// prepared-frame.ts writes to private `ws` fields (no public path writes bytes that are already a
// frame). These tests pin what it relies on: a `ws` upgrade that renames or changes one of them
// fails here, not in production.
describe('the ws internals a prepared frame relies on', () => {
  it('finds the TCP socket the sender writes to, and an idle sender, and writes the prepared bytes there', async () => {
    const { peer, internals, received, receivedCount, close } = await wsPair();
    expect(internals._socket).toBeInstanceOf(NetSocket);
    expect(internals._sender._socket).toBe(internals._socket);
    expect(internals._sender._state).toBe(0);
    expect(internals._sender._queue).toEqual([]);
    const write = vi.spyOn(internals._socket, 'write');
    const send = vi.spyOn(peer, 'send');
    const frame = new PreparedFrame('direct');
    expect(sendPrepared(peer, frame)).toBe(true);
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0]?.[0]).toBe(frame.bytes);
    expect(send).not.toHaveBeenCalled();
    await receivedCount(1);
    expect(received).toEqual(['direct']);
    close();
  });

  it('keeps its place behind a Blob the sender is still reading', async () => {
    const { peer, internals, received, receivedCount, close } = await wsPair();
    peer.send(new Blob(['blob']));
    expect(internals._sender._state).not.toBe(0);
    expect(sendPrepared(peer, new PreparedFrame('after the blob'))).toBe(false);
    peer.send('last');
    await receivedCount(3);
    expect(received).toEqual(['blob', 'after the blob', 'last']);
    close();
  });

  it('keeps its place behind messages the sender is still compressing (and those queued behind them)', async () => {
    const { peer, internals, received, receivedCount, close } = await wsPair({ perMessageDeflate: { threshold: 0 } });
    const big = (tag: string) => tag + '.'.repeat(4000);
    peer.send(big('first'));
    expect(internals._sender._state).not.toBe(0);
    expect(internals._sender._queue).toHaveLength(0);
    expect(sendPrepared(peer, new PreparedFrame('second'))).toBe(false);
    peer.send(big('third'));
    expect(internals._sender._queue.length).toBeGreaterThan(0);
    expect(sendPrepared(peer, new PreparedFrame('fourth'))).toBe(false);
    await receivedCount(4);
    expect(received.map((r) => r.replace(/\.+$/, ''))).toEqual(['first', 'second', 'third', 'fourth']);
    close();
  });

  it('says when the buffer is past its high-water mark, and arrives intact and in order after it drains', async () => {
    const { peer, client, internals, received, receivedCount, close } = await wsPair();
    client.pause(); // the client stops reading: the server's buffer for it fills up
    const text = (i: number) => `${i}:${'x'.repeat(64 * 1024)}`;
    let sent = 0;
    let backlogged = false;
    while (!backlogged && sent < 2000) backlogged = !sendPrepared(peer, new PreparedFrame(text(sent++)));
    expect(backlogged).toBe(true);
    expect(peer.bufferedAmount).toBeGreaterThan(0);
    expect(internals._socket.writableNeedDrain).toBe(true);
    // Past the mark, frames still go straight to the TCP socket (the sender is idle), in order
    // with those `ws` frames itself.
    peer.send('by ws');
    expect(sendPrepared(peer, new PreparedFrame('after'))).toBe(false);
    const drained = once(internals._socket, 'drain');
    client.resume();
    await receivedCount(sent + 2);
    await drained;
    expect(received.slice(0, sent).every((r, i) => r === text(i))).toBe(true);
    expect(received.slice(sent)).toEqual(['by ws', 'after']);
    expect(sendPrepared(peer, new PreparedFrame('drained'))).toBe(true);
    await receivedCount(sent + 3);
    close();
  });

  it('goes through ws.send once the socket is closing, so nothing follows the close frame', async () => {
    const { peer, internals, client, received, close } = await wsPair();
    const write = vi.spyOn(internals._socket, 'write');
    peer.close(1000, 'bye');
    const frame = new PreparedFrame('too late');
    const calls = write.mock.calls.length;
    expect(sendPrepared(peer, frame)).toBe(false);
    expect(write.mock.calls.slice(calls).some(([data]) => data === frame.bytes)).toBe(false);
    const [code] = (await once(client, 'close')) as [number];
    expect(code).toBe(1000);
    expect(received).toEqual([]);
    close();
  });
});
