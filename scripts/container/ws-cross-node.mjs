// Run inside a Tandem container of compose.yaml's cluster (node - < this file): one chat socket
// on this node, one on the other node (OTHER, e.g. ws://tandem-2:8000/ws?v=1), both in ROOM with
// TOKEN; a message sent on the first must reach the second — through Redis, the only link
// between the two processes. Prints one line of JSON; exit code 0 when it arrived.
const { TOKEN, ROOM, OTHER } = process.env;
const here = 'ws://127.0.0.1:8000/ws?v=1';
const clientMessageId = `cross-${Date.now()}`;
const started = Date.now();

const timer = setTimeout(() => done(false, 'no message on the other node within 15 s'), 15_000);
function done(ok, detail) {
  clearTimeout(timer);
  console.log(JSON.stringify({ ok, detail, ms: Date.now() - started }));
  process.exit(ok ? 0 : 1);
}

function open(url, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', token: TOKEN })));
    ws.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)));
    ws.addEventListener('close', (e) => reject(new Error(`${url} closed: ${e.code} ${e.reason}`)));
    ws.addEventListener('message', (e) => {
      const frame = JSON.parse(String(e.data));
      if (frame.type === 'hello') ws.send(JSON.stringify({ type: 'join', roomId: ROOM }));
      else if (frame.type === 'joined') resolve(ws);
      else if (frame.type === 'error') reject(new Error(`${url}: ${JSON.stringify(frame)}`));
      onFrame(frame);
    });
  });
}

try {
  const sender = await open(here, () => {});
  await open(OTHER, (frame) => {
    if (frame.type === 'message' && frame.message.clientMessageId === clientMessageId) {
      done(true, `seq ${frame.message.seq} sent on ${here}, received on ${OTHER}`);
    }
  });
  sender.send(JSON.stringify({ type: 'send', roomId: ROOM, clientMessageId, body: 'across the nodes' }));
} catch (error) {
  done(false, String(error.message ?? error));
}
