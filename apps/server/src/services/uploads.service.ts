import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Attachment, User } from '@tandem/protocol';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { AppError, badRequest } from '../errors.ts';
import { randomId } from '../ids.ts';
import type { Db } from '../store/db.ts';
import * as uploads from '../store/uploads.repository.ts';
import { attachmentMapper } from './mappers.ts';
import { scavengeEvery } from './memory.ts';

/** One incoming file: what the multipart parser gives us, nothing more. */
export type IncomingFile = { filename: string; mimetype: string; file: NodeJS.ReadableStream };

export type UploadsDeps = { db: Db; clock: Clock; uploadDir: string; limits: Config['uploads'] };

const MIME_EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};

// Sizes in the messages people read are in binary units written KB, MB, GB (1 MB = 1,048,576
// bytes), as the apps show file sizes (`formatSize` in @tandem/client): one unit system, so a
// file the app shows as "26 MB" is visibly over a "25 MB" limit.
const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
/** Quotas as people read them: "40 KB", "512 MB", "1.5 GB". */
function amount(bytes: number): string {
  const [value, unit] =
    bytes >= 1024 ** 3
      ? [bytes / 1024 ** 3, 'GB']
      : bytes >= 1024 ** 2
        ? [bytes / 1024 ** 2, 'MB']
        : [bytes / 1024, 'KB'];
  return `${Math.round(value * 10) / 10} ${unit}`;
}

const DAY_MS = 86_400_000;

/** Free bytes on the file system that holds `dir`, for an unprivileged process; null if unknown. */
export async function freeDiskBytes(dir: string): Promise<number | null> {
  try {
    const stats = await fs.promises.statfs(dir);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return null;
  }
}

/** The name as the person sees it: no directories, no control characters, at most 255 chars. */
export function displayName(filename: string): string {
  const base = path.posix.basename(filename.replaceAll('\\', '/'));
  const clean = base.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return (clean === '' || clean === '.' || clean === '..' ? 'file' : clean).slice(0, 255);
}

/** A short, lower-case, alphanumeric extension, from the name or else the content type. */
export function safeExtension(filename: string, contentType: string): string {
  const ext = path.extname(displayName(filename)).slice(1).toLowerCase();
  if (/^[a-z0-9]{1,10}$/.test(ext)) return `.${ext}`;
  const fromType = MIME_EXTENSIONS[contentType];
  return fromType ? `.${fromType}` : '';
}

const cleanContentType = (mimetype: string) => {
  const type = mimetype.trim().toLowerCase();
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) ? type : 'application/octet-stream';
};

/**
 * Uploads: files are streamed to UPLOAD_DIR under random names (never held whole in memory),
 * recorded with their original names, and served at /static/<name>. A request that breaks a
 * limit leaves nothing behind.
 *
 * Disk filling: each user has a byte quota per 24 hours and in all (guests a smaller one), and
 * nothing is accepted while the disk's free space is under UPLOAD_MIN_FREE_DISK. Both are
 * checked before the first byte is written and again as every chunk arrives, so an upload that
 * goes over is cut off mid-stream and its files removed.
 */
export function uploadsService({ db, clock, uploadDir, limits }: UploadsDeps) {
  fs.mkdirSync(uploadDir, { recursive: true });
  const toAttachment = attachmentMapper(limits.origin);
  /**
   * This node's uploads per user while any is under way: bytes being written (`pending`) and
   * bytes stored since (`committed`). A request's usage snapshot is read once, at its start;
   * adding what was committed since and what is pending keeps concurrent uploads of one user
   * within one quota. (Across nodes, each node's in-flight bytes are its own: at most a request
   * per node can overshoot.)
   */
  const ledgers = new Map<string, { active: number; pending: number; committed: number }>();

  const diskFull = () =>
    new AppError(
      'insufficient_storage',
      'The server is running out of disk space, so uploads are paused. Try again later; if it persists, tell the server’s administrator.',
      { limit: 'disk' },
    );

  /** The user's quotas (Infinity when off) and what counted against them when asked. */
  async function quotaOf(owner: User) {
    const guest = owner.guest && limits.quotaGuestBytes > 0;
    const cap = (limit: number) => {
      const quota = limit > 0 ? limit : Number.POSITIVE_INFINITY;
      return guest ? Math.min(quota, limits.quotaGuestBytes) : quota;
    };
    const usage = await uploads.usageOf(db, owner.id, clock.now() - DAY_MS);
    return { guest, daily: cap(limits.quotaDailyBytes), total: cap(limits.quotaTotalBytes), usage };
  }

  type Quota = Awaited<ReturnType<typeof quotaOf>>;

  /**
   * The quota that `extra` more bytes would break, as the error to answer with; else null.
   * `since`: the user's bytes the snapshot does not hold (stored since, other uploads under way).
   */
  function overQuota(quota: Quota, since: number, extra: number): AppError | null {
    const today = quota.usage.recent + since;
    const stored = quota.usage.total + since;
    const limit = today + extra > quota.daily ? 'dailyQuota' : stored + extra > quota.total ? 'totalQuota' : null;
    if (!limit) return null;
    const [quotaBytes, usedBytes] = limit === 'dailyQuota' ? [quota.daily, today] : [quota.total, stored];
    const left = amount(Math.max(0, quotaBytes - usedBytes));
    const guestCap = quota.guest && quotaBytes === limits.quotaGuestBytes;
    const message =
      limit === 'dailyQuota'
        ? `You can upload ${amount(quotaBytes)} a day and have ${left} left; try again later.`
        : `Your files may take up ${amount(quotaBytes)} and have ${left} left.`;
    return new AppError(
      'payload_too_large',
      guestCap ? `${message} Guests get less room: create an account to upload more.` : message,
      { limit, quotaBytes, usedBytes },
    );
  }

  function limitError(error: unknown): AppError | null {
    const code = (error as { code?: string } | null)?.code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      return new AppError('payload_too_large', `Each file may be at most ${mib(limits.maxFileBytes)}.`, {
        limit: 'fileSize',
        maxBytes: limits.maxFileBytes,
      });
    }
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
      return new AppError('payload_too_large', `At most ${limits.maxFiles} files can be sent at once.`, {
        limit: 'files',
        maxFiles: limits.maxFiles,
      });
    }
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
      return new AppError('unsupported_media_type', 'Send the files as multipart/form-data.');
    }
    return null;
  }

  return {
    /** Stores every file of one request, or none of them. */
    async receive(files: AsyncIterable<IncomingFile>, owner: User): Promise<Attachment[]> {
      const written: string[] = [];
      const rows: uploads.UploadRow[] = [];
      const ledger = ledgers.get(owner.id) ?? { active: 0, pending: 0, committed: 0 };
      ledgers.set(owner.id, ledger);
      ledger.active += 1;
      let mine = 0; // this request's bytes in ledger.pending
      const release = () => {
        ledger.pending -= mine;
        mine = 0;
      };
      try {
        // Before a byte is written: the disk, and what the user has stored already.
        const freeAtStart = limits.minFreeDiskBytes > 0 ? await freeDiskBytes(uploadDir) : null;
        if (freeAtStart !== null && freeAtStart < limits.minFreeDiskBytes) throw diskFull();
        const committedBefore = ledger.committed;
        const quota = await quotaOf(owner);
        // The user's bytes the snapshot does not hold: stored since, and other uploads' pending.
        const since = () => ledger.committed - committedBefore + ledger.pending - mine;
        const refused = overQuota(quota, since(), 1);
        if (refused) throw refused;
        for await (const part of files) {
          const contentType = cleanContentType(part.mimetype);
          const storedName = `${randomId()}${safeExtension(part.filename, contentType)}`;
          const target = path.join(uploadDir, storedName);
          written.push(target);
          let size = 0;
          const scavenge = scavengeEvery(16 * 1024 * 1024);
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              // While streaming: this chunk must fit the quota and leave the disk its reserve.
              // A refused request gives its bytes back at once: the others must not count them.
              const over = overQuota(quota, since(), mine + chunk.length);
              if (over) {
                release();
                return done(over);
              }
              if (freeAtStart !== null && freeAtStart - mine - chunk.length < limits.minFreeDiskBytes) {
                release();
                return done(diskFull());
              }
              mine += chunk.length;
              ledger.pending += chunk.length;
              size += chunk.length;
              scavenge(chunk.length);
              done(null, chunk);
            },
          });
          // 'wx': never overwrite; a random 128-bit name that exists already is a bug, not a case.
          await pipeline(part.file, counter, fs.createWriteStream(target, { flags: 'wx' }));
          const name = displayName(part.filename);
          if (size === 0) throw badRequest(`The file "${name}" is empty.`, { field: 'file', name });
          rows.push({
            id: randomId(),
            owner_id: owner.id,
            stored_name: storedName,
            original_name: name,
            content_type: contentType,
            size,
            created_at: clock.now(),
            message_id: null,
          });
        }
        if (rows.length === 0) throw badRequest('Send at least one file (multipart/form-data).');
        await uploads.insertUploads(db, rows);
        ledger.committed += mine;
        release();
        return rows.map(toAttachment);
      } catch (error) {
        release();
        await Promise.all(written.map((file) => fs.promises.rm(file, { force: true })));
        throw limitError(error) ?? error;
      } finally {
        ledger.active -= 1;
        if (ledger.active === 0) ledgers.delete(owner.id);
      }
    },

    /** Deletes files never attached to a message within the orphan time; returns how many. */
    async sweepOrphans(): Promise<number> {
      let removed = 0;
      for (;;) {
        const batch = await uploads.listOrphans(db, clock.now() - limits.orphanTtlMs, 500);
        if (batch.length === 0) return removed;
        const deleted = await uploads.deleteUnattached(
          db,
          batch.map((u) => u.id),
        );
        await Promise.all(deleted.map((name) => fs.promises.rm(path.join(uploadDir, name), { force: true })));
        removed += deleted.length;
        if (batch.length < 500) return removed;
      }
    },
  };
}
export type UploadsService = ReturnType<typeof uploadsService>;
