import { randomBytes } from 'node:crypto';
import { HocuspocusProvider } from '@hocuspocus/provider';
import { createRestClient, RealtimeClient } from '@tandem/client';
import type { Message } from '@tandem/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type Cluster, findNginx, startCluster } from '../cluster.ts';

const adminUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Connections per node, read from each node's own /metrics. */
async function connectionsPerNode(cluster: Cluster): Promise<number[]> {
  return Promise.all(
    cluster.nodes.map(async (n) => {
      const text = await (await fetch(`${n.http}/metrics`)).text();
      return Number(/^tandem_ws_connections (\d+)/m.exec(text)?.[1] ?? 0);
    }),
  );
}

// The whole product behind a real load balancer: two nodes, nginx, PostgreSQL, Redis.
// CI installs nginx; without it the suite fails there rather than skip (it is an acceptance test).
describe.skipIf(!adminUrl || !redisUrl || (!findNginx() && !process.env.CI))('a cluster behind nginx', () => {
  let cluster: Cluster;
  let dbName: string;
  const admin = (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    return client
      .connect()
      .then(() => client.query(statement))
      .finally(() => client.end());
  };

  beforeAll(async () => {
    dbName = `tandem_test_cluster_${process.pid}_${randomBytes(3).toString('hex')}`;
    await admin(`create database ${dbName}`);
    const url = new URL(adminUrl ?? '');
    url.pathname = `/${dbName}`;
    cluster = await startCluster({
      nodes: 2,
      port: 0,
      databaseUrl: url.toString(),
      redisUrl: redisUrl ?? '',
      redisPrefix: `tandem-test-cluster-${process.pid}-${randomBytes(3).toString('hex')}`,
      env: {
        DEFAULT_ROOMS: '',
        NODE_TIMEOUT: '3s',
        AUTH_RATE_LIMIT: '1000',
        WS_SENDS_PER_SECOND: '200',
        WS_SEND_BURST: '200',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await admin(`drop database if exists ${dbName} with (force)`);
  });

  it('lets users on different nodes chat, type, see each other and co-edit; a node dies and nothing is lost or doubled', async () => {
    const rest = createRestClient({ baseUrl: cluster.url });
    const alice = await rest.guest({ username: `alice${randomBytes(2).toString('hex')}` });
    const bob = await rest.guest({ username: `bob${randomBytes(2).toString('hex')}` });
    const aliceRest = createRestClient({ baseUrl: cluster.url, token: alice.token });
    const bobRest = createRestClient({ baseUrl: cluster.url, token: bob.token });
    const { roomId } = await aliceRest.createRoom({ name: 'Cluster room' });
    await bobRest.joinById(roomId);
    const ws = `${cluster.url.replace('http', 'ws')}/ws`;
    const client = (token: string, r: typeof aliceRest) =>
      new RealtimeClient({ url: ws, token, rest: r, backoff: { baseMs: 100, maxMs: 400 } });

    // Open sockets until Alice's and Bob's land on different nodes (nginx balances by turns).
    const a = client(alice.token, aliceRest);
    let b = client(bob.token, bobRest);
    await a.join({ roomId });
    await b.join({ roomId });
    for (let i = 0; i < 6 && (await connectionsPerNode(cluster)).includes(0); i++) {
      b.close();
      b = client(bob.token, bobRest);
      await b.join({ roomId });
    }
    expect(await connectionsPerNode(cluster)).toEqual([1, 1]);

    // Presence and typing cross nodes.
    const typing: boolean[] = [];
    b.on('typing', (f) => typing.push(f.active));
    a.typing(true);
    await until(() => typing.includes(true), 'typing across nodes');

    // Messages across nodes, then one node is killed in the middle of the conversation.
    const received: Message[] = [];
    b.on('message', (m) => received.push(m));
    const sends: Array<Promise<Message>> = [];
    for (let i = 1; i <= 100; i++) {
      sends.push(a.send(`message ${i}`).done);
      if (i === 40) {
        await until(() => received.length >= 20, 'messages before the kill');
        cluster.nodes[1]?.child.kill('SIGKILL');
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(sends);
    await until(() => received.length >= 100, `all 100 messages (have ${received.length})`, 30_000);
    const bodies = received.map((m) => m.body);
    const expected = Array.from({ length: 100 }, (_, i) => `message ${i + 1}`);
    expect(bodies).toEqual(expected);
    const history = await bobRest.history(roomId, { limit: 100 });
    expect(history.messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(a.status).toBe('open');
    expect(b.status).toBe('open');
    a.close();
    b.close();

    // Co-editing through the balancer on the surviving node.
    const { roomId: codeRoom } = await aliceRest.createRoom({ name: 'Cluster code', kind: 'code' });
    const editor = (token: string) => {
      const doc = new Y.Doc();
      return new Promise<{ doc: Y.Doc; provider: HocuspocusProvider }>((resolve) => {
        const provider: HocuspocusProvider = new HocuspocusProvider({
          url: `${ws}/code`,
          name: codeRoom,
          token,
          document: doc,
          onSynced: () => resolve({ doc, provider }),
        });
      });
    };
    const [one, two] = await Promise.all([editor(alice.token), editor(bob.token)]);
    one.doc.getText('code').insert(0, 'from alice ');
    two.doc.getText('code').insert(0, 'from bob ');
    await until(
      () =>
        one.doc.getText('code').toString() === two.doc.getText('code').toString() &&
        one.doc.getText('code').toString().includes('from alice'),
      'editors to converge',
    );
    one.provider.destroy();
    two.provider.destroy();
  });
});
