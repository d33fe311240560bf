/**
 * Scenario E's room: `count` messages written straight into Tandem's SQLite database (migrated
 * by the server beforehand) in one transaction of prepared inserts, with the room's last_seq and
 * the sender's message counter moved to match, as the server's own insert path would leave them.
 * The server must not be running.
 */
import SQLite from 'better-sqlite3';
import { hashToken, messageId } from '../../apps/server/src/ids.ts';

export function seedMessages(file: string, roomId: string, senderToken: string, count: number): void {
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const sender = db.prepare(`select user_id from sessions where token_hash = ?`).get(hashToken(senderToken)) as
      | { user_id: string }
      | undefined;
    if (!sender) throw new Error('seed: the sender token has no session');
    const room = db.prepare('select last_seq from rooms where id = ?').get(roomId) as { last_seq: number } | undefined;
    if (!room) throw new Error('seed: no such room');
    const insert = db.prepare(
      `insert into messages (id, room_id, seq, sender_id, client_message_id, body, sealed, created_at)
       values (?, ?, ?, ?, ?, ?, null, ?)`,
    );
    const start = Date.now() - count;
    db.transaction(() => {
      for (let i = 1; i <= count; i++) {
        const seq = room.last_seq + i;
        insert.run(
          messageId(),
          roomId,
          seq,
          sender.user_id,
          `seed-${seq}`,
          `seeded message number ${seq} of ${count}`,
          start + i,
        );
      }
      db.prepare('update rooms set last_seq = last_seq + ?, last_activity_at = ? where id = ?').run(
        count,
        start + count,
        roomId,
      );
      db.prepare('update users set message_count = message_count + ? where id = ?').run(count, sender.user_id);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
