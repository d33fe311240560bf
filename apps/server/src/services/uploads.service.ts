import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Attachment } from '@tandem/protocol';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { AppError, badRequest } from '../errors.ts';
import { randomId } from '../ids.ts';
import type { Db } from '../store/db.ts';
import * as uploads from '../store/uploads.repository.ts';
import type { UserRow } from '../store/users.repository.ts';
import { toAttachment } from './mappers.ts';
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

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

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
 */
export function uploadsService({ db, clock, uploadDir, limits }: UploadsDeps) {
  fs.mkdirSync(uploadDir, { recursive: true });

  function limitError(error: unknown): AppError | null {
    const code = (error as { code?: string } | null)?.code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      return new AppError(413, 'payload_too_large', `Each file may be at most ${mib(limits.maxFileBytes)}.`, {
        limit: 'fileSize',
        maxBytes: limits.maxFileBytes,
      });
    }
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
      return new AppError(413, 'payload_too_large', `At most ${limits.maxFiles} files can be sent at once.`, {
        limit: 'files',
        maxFiles: limits.maxFiles,
      });
    }
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
      return new AppError(415, 'unsupported_media_type', 'Send the files as multipart/form-data.');
    }
    return null;
  }

  return {
    /** Stores every file of one request, or none of them. */
    async receive(files: AsyncIterable<IncomingFile>, owner: UserRow): Promise<Attachment[]> {
      const written: string[] = [];
      const rows: uploads.UploadRow[] = [];
      try {
        for await (const part of files) {
          const contentType = cleanContentType(part.mimetype);
          const storedName = `${randomId()}${safeExtension(part.filename, contentType)}`;
          const target = path.join(uploadDir, storedName);
          written.push(target);
          let size = 0;
          const scavenge = scavengeEvery(16 * 1024 * 1024);
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, done) {
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
        return rows.map(toAttachment);
      } catch (error) {
        await Promise.all(written.map((file) => fs.promises.rm(file, { force: true })));
        throw limitError(error) ?? error;
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
