import type { ErrorCode, ErrorResponse } from '@tandem/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../errors.ts';
import type { SpaFallback } from './web.ts';

const send = (code: ErrorCode, message: string, details?: unknown): ErrorResponse => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

/** Fastify's own errors, by code, in words a person can act on. */
const FASTIFY_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Send the body as JSON with "Content-Type: application/json".',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request body is empty; send a JSON object.',
  },
};

/**
 * One error shape for every failure: `{"error": {"code", "message", "details"}}`. Stack traces
 * and internal messages are logged, never sent.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  options: { bodyLimit: number; spaFallback?: SpaFallback },
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error.status === 429) {
        const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
        if (retry) reply.header('retry-after', String(retry));
      }
      return reply.status(error.status).send(send(error.code, error.message, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const issues = error.validation.map((v) => ({
        path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message,
      }));
      const message = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return reply.status(400).send(send('validation_failed', message, { issues }));
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) {
      const message =
        known.status === 413
          ? `The request body is larger than the ${options.bodyLimit} bytes allowed.`
          : known.message;
      return reply.status(known.status).send(send(known.code, message));
    }
    if (error.statusCode === 429) {
      return reply.status(429).send(send('rate_limited', error.message));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(send('validation_failed', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(send('internal', 'Something went wrong on our side. Try again in a moment.'));
  });

  // A JSON 404 for unknown routes; probing for URLs gets the same cheap answer every time.
  app.setNotFoundHandler(
    (request, reply) =>
      options.spaFallback?.(request, reply) ??
      reply
        .status(404)
        .send(
          send('not_found', `There is no ${request.method} ${request.url.split('?')[0]} here. See /docs for the API.`),
        ),
  );
}
