import type { ErrorCode, ErrorResponse } from '@tandem/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isStoreUnavailable } from '../errors.ts';
import { createLogLimiter } from '../log-limiter.ts';
import type { SpaFallback } from './web.ts';

/** The HTTP status of each error code: the one place a code becomes a status. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  insufficient_storage: 507,
};

/** Seconds a client is asked to wait (`Retry-After`) when the database did not answer. */
const DATABASE_RETRY_SECONDS = 2;

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

/** Errors of a malformed multipart body, as @fastify/busboy words them: the client's, not ours. */
const MALFORMED_MULTIPART =
  /^(Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data|Malformed part header)$/;

/** Errors of the router itself, before any route runs (`frameworkErrors`). */
const FRAMEWORK_ERRORS: Record<string, { status: number; message: (url: string) => string }> = {
  FST_ERR_BAD_URL: {
    status: 400,
    message: (url) => `The path ${url} is not valid: a %-escape in it does not decode to UTF-8 text.`,
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    message: () => 'A part of the path is longer than any id this server gives out.',
  },
};

/** The path as it may be quoted back: at most 100 characters, control characters escaped. */
const quotePath = (url: string) =>
  JSON.stringify(url.split('?')[0]?.slice(0, 100) ?? '').replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/**
 * For Fastify's `frameworkErrors` option: a URL the router cannot decode answers in our error
 * shape too, instead of Fastify's own `{"error","code","message","statusCode"}`.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
  const status = known?.status ?? 400;
  request.log.info({ code: error.code, status }, 'request refused by the router');
  void reply
    .status(status)
    .send(
      send('validation_failed', known ? known.message(quotePath(request.raw.url ?? '')) : 'The request is malformed.'),
    );
}

/**
 * One error shape for every failure: `{"error": {"code", "message", "details"}}`. Stack traces
 * and internal messages are logged, never sent.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  options: { bodyLimit: number; spaFallback?: SpaFallback },
): void {
  // A client's mistakes are logged at info, without a stack, at most 30 lines a minute per address
  // (then one line with the count); our own failures at error, at most 30 a minute per address too.
  const mistakes = createLogLimiter(app.log, { perMinute: 30, what: 'refused requests' });
  const failures = createLogLimiter(app.log, { perMinute: 30, what: 'failed requests' });
  app.addHook('onClose', async () => {
    mistakes.close();
    failures.close();
  });
  const refused = (request: FastifyRequest, status: number, code: string, message: string) => {
    mistakes.log(
      'info',
      request.ip,
      { reqId: request.id, status, code, reason: message.slice(0, 300) },
      'request refused',
    );
  };

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retry) reply.header('retry-after', String(retry));
      return reply.status(HTTP_STATUS[error.code]).send(send(error.code, error.message, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const issues = error.validation.map((v) => ({
        path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message,
      }));
      const message = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      refused(request, 400, 'validation_failed', message);
      return reply.status(400).send(send('validation_failed', message, { issues }));
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) {
      const message =
        known.status === 413
          ? `The request body is larger than the ${options.bodyLimit} bytes allowed.`
          : known.message;
      refused(request, known.status, known.code, message);
      return reply.status(known.status).send(send(known.code, message));
    }
    if (
      MALFORMED_MULTIPART.test(error.message) &&
      String(request.headers['content-type'] ?? '').startsWith('multipart/')
    ) {
      const message = `The multipart/form-data body is malformed (${error.message.toLowerCase()}).`;
      refused(request, 400, 'validation_failed', message);
      return reply.status(400).send(send('validation_failed', message));
    }
    if (error.statusCode === 429) {
      return reply.status(429).send(send('rate_limited', error.message));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      refused(request, error.statusCode, error.code ?? 'validation_failed', error.message);
      return reply.status(error.statusCode).send(send('validation_failed', error.message));
    }
    if (isStoreUnavailable(error)) {
      // An outage: the request may succeed in a moment. Logged once per node, not per request.
      failures.log('warn', 'database', { err: error }, 'request failed: the database is not answering');
      reply.header('retry-after', String(DATABASE_RETRY_SECONDS));
      return reply
        .status(HTTP_STATUS.unavailable)
        .send(send('unavailable', 'The database is not answering just now. Try again in a few seconds.'));
    }
    failures.log('error', request.ip, { err: error }, 'request failed');
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

/**
 * For @fastify/websocket's `errorHandler`: what a peer's broken frames raise on the socket (ws
 * codes `WS_ERR_*` — too large, invalid UTF-8, bad opcode… — and connection resets) is the
 * client's doing: logged at info without a stack, at most 30 lines a minute per address, and the
 * socket is cut. Anything else is ours and logged at error (capped the same way).
 */
export function socketErrorHandler(log: FastifyInstance['log']) {
  const limiter = createLogLimiter(log, { perMinute: 30, what: 'socket errors' });
  return (error: Error & { code?: string }, socket: { terminate(): void }, request: FastifyRequest) => {
    const clients = typeof error.code === 'string' && (/^WS_ERR_/.test(error.code) || error.code === 'ECONNRESET');
    if (clients) {
      limiter.log('info', request.ip, { reqId: request.id, code: error.code, reason: error.message }, 'socket refused');
    } else limiter.log('error', request.ip, { reqId: request.id, err: error }, 'socket failed');
    socket.terminate();
  };
}
