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
 * Types a browser may show in place. Everything else — HTML, SVG, JavaScript, XML, anything
 * unknown — is sent as a download, so an upload can never run script on our origin.
 */
const INLINE_EXTENSIONS = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.webp',
  '.avif',
  '.pdf',
  '.txt',
  '.mp3',
  '.ogg',
  '.wav',
  '.m4a',
  '.mp4',
  '.webm',
]);

export type UploadRouteOptions = { services: Services; uploads: Config['uploads']; uploadDir: string };

export async function uploadRoutes(app: FastifyInstance, { services, uploads, uploadDir }: UploadRouteOptions) {
  await app.register(multipart, {
    limits: { fileSize: uploads.maxFileBytes, files: uploads.maxFiles, fields: 0, parts: uploads.maxFiles + 1 },
  });

  // Served at /static/<random name> (seed 004's links). Names are unguessable and never reused,
  // so a file can be cached for a year; ranges let players and PDF viewers seek.
  await app.register(fastifyStatic, {
    root: uploadDir,
    prefix: '/static/',
    decorateReply: false,
    index: false,
    cacheControl: false,
    setHeaders: (reply: FastifyReply, filePath: string) => {
      const inline = INLINE_EXTENSIONS.has(path.extname(filePath).toLowerCase());
      reply.header('content-disposition', inline ? 'inline' : 'attachment');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('content-security-policy', "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
      reply.header('cache-control', 'public, max-age=31536000, immutable');
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
        description: `One or more files in \`multipart/form-data\` (any field name). Each is streamed to disk under a random name and answered with its link, \`/static/<name>\`, in the order sent. Attach them to a message with \`attachmentIds\`. At most ${uploads.maxFiles} files of ${uploads.maxFileBytes} bytes each per request (413 names the limit, and nothing of the request is kept); empty files answer 400. Files never attached to a message are deleted after a while.`,
        consumes: ['multipart/form-data'],
        security: signedIn,
        response: { 201: UploadResponse, ...errorResponses(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      if (!request.isMultipart()) {
        throw new AppError(415, 'unsupported_media_type', 'Send the files as multipart/form-data.');
      }
      const stored = await services.uploads.receive(request.files(), user);
      return reply.status(201).send(stored);
    },
  );
}
