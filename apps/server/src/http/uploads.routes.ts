import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { UploadResponse } from '@tandem/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import { currentUser } from './auth-hook.ts';
import { errorResponses, signedIn } from './schema-helpers.ts';

/**
 * Types a browser may show in place, by the stored name's extension, with the type they are sent
 * as. Everything else — HTML, SVG, JavaScript, CSS, XML, anything unknown — is sent as
 * `application/octet-stream` and a download: with `nosniff`, a browser refuses to run or style
 * with it even when a page names it in `<script src>`, so an upload never runs at our origin.
 */
const INLINE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain; charset=utf-8',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/**
 * A refused upload (quota, disk) stops reading mid-body. The rest is read and dropped — never
 * written — so that the client, still sending, gets the answer instead of a stalled or reset
 * connection; a body larger than any upload could be is cut off.
 */
function drainRest(raw: IncomingMessage, maxBytes: number) {
  if (raw.readableEnded || raw.destroyed) return;
  let dropped = 0;
  raw.unpipe();
  raw.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes + 1024 * 1024) raw.destroy();
  });
  raw.resume();
}

/** Where uploaded files are served: `/static/<random name>` (seed 004's links). */
export const UPLOADED_FILES_PREFIX = '/static/';

export type UploadRouteOptions = { services: Services; uploads: Config['uploads']; uploadDir: string };

export async function uploadRoutes(app: FastifyInstance, { services, uploads, uploadDir }: UploadRouteOptions) {
  // Orphans are swept a few times per lifetime (at most every 15 minutes), so a file never
  // attached is gone soon after UPLOAD_ORPHAN_TTL, not up to a sweep interval later.
  const sweepEvery = Math.max(60_000, Math.min(15 * 60_000, Math.floor(uploads.orphanTtlMs / 4)));
  const sweep = setInterval(() => {
    services.uploads.sweepOrphans().catch((error: unknown) => app.log.warn({ err: error }, 'upload sweep failed'));
  }, sweepEvery);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));

  await app.register(multipart, {
    limits: { fileSize: uploads.maxFileBytes, files: uploads.maxFiles, fields: 0, parts: uploads.maxFiles + 1 },
  });

  // Served at /static/<random name>. Names are unguessable and never reused, so a file can be
  // cached for a year; ranges let players and PDF viewers seek. Sent as stored, never compressed
  // on the way (see http/compression.ts).
  await app.register(fastifyStatic, {
    root: uploadDir,
    prefix: UPLOADED_FILES_PREFIX,
    decorateReply: false,
    index: false,
    cacheControl: false,
    setHeaders: (reply: FastifyReply, filePath: string) => {
      const inlineType = INLINE_TYPES[path.extname(filePath).toLowerCase()];
      reply.header('content-type', inlineType ?? 'application/octet-stream');
      reply.header('content-disposition', inlineType ? 'inline' : 'attachment');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('content-security-policy', "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      // On a separate origin the app reads encrypted files with fetch(); links are the only key.
      if (uploads.origin) reply.header('access-control-allow-origin', '*');
    },
  });

  app.withTypeProvider<ZodTypeProvider>().post(
    '/uploads',
    {
      config: {
        auth: 'required',
        rateLimit: {
          max: uploads.rateLimit,
          timeWindow: 60_000,
          keyGenerator: (request) => request.auth?.user.id ?? request.ip,
        },
      },
      schema: {
        tags: ['uploads'],
        summary: 'Upload files (multipart/form-data)',
        description: `One or more files in \`multipart/form-data\` (any field name). Each is streamed to disk under a random name and answered with its link, \`/static/<name>\` (on UPLOADS_ORIGIN when one is set), in the order sent. Attach them to a message with \`attachmentIds\`. At most ${uploads.maxFiles} files of ${uploads.maxFileBytes} bytes each per request, and per-user quotas per day and in all (413 names the limit, and nothing of the request is kept); 507 while the server is low on disk space; empty files answer 400. Files never attached to a message are deleted after a while.`,
        consumes: ['multipart/form-data'],
        security: signedIn,
        response: { 201: UploadResponse, ...errorResponses(400, 401, 413, 415, 429, 507) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      if (!request.isMultipart()) {
        throw new AppError('unsupported_media_type', 'Send the files as multipart/form-data.');
      }
      try {
        const stored = await services.uploads.receive(request.files(), user);
        return reply.status(201).send(stored);
      } catch (error) {
        drainRest(request.raw, uploads.maxFiles * uploads.maxFileBytes);
        throw error;
      }
    },
  );
}
