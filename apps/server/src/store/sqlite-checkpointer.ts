/**
 * A worker thread that checkpoints a SQLite database's WAL every `intervalMs` with its own
 * connection (PASSIVE: it never blocks the writer), so that copying pages back into the database
 * and the fsyncs that go with it happen off the event loop. The server's connection keeps only
 * a large autocheckpoint as a backstop (see openStore).
 */
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new SQLite(file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or closing: the next round (or the writer's backstop) catches up.
  }
}, intervalMs);
parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.postMessage('stopped');
  parentPort?.close();
});
