import net from 'node:net';

/**
 * A TCP proxy between a client and the server, to cause real network faults: `cut()` drops
 * every connection at once (as a lost Wi-Fi would); `blackhole(true)` silently stops
 * forwarding server → client bytes (as a connection that died half-way would).
 */
export async function startProxy(targetPort: number) {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let holeOn = false;
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!holeOn) client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    blackhole(on: boolean) {
      holeOn = on;
    },
    /** While down, every connection is dropped at once (and new ones refused the same way). */
    setDown(on: boolean) {
      down = on;
      if (on) this.cut();
    },
    connections: () => pairs.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
