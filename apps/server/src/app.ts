import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Bus } from './bus/bus.ts';
import { createMemoryBus } from './bus/memory-bus.ts';
import { createRedisBus } from './bus/redis-bus.ts';
import { type Clock, systemClock } from './clock.ts';
import { registerCollab } from './collab/index.ts';
import type { Config } from './config.ts';
import { authRoutes } from './http/auth.routes.ts';
import { registerAuth } from './http/auth-hook.ts';
import { autocompleteRoutes } from './http/autocomplete.routes.ts';
import { codeRoutes } from './http/code.routes.ts';
import { registerCompression } from './http/compression.ts';
import { registerDocs } from './http/docs.ts';
import { e2eRoutes } from './http/e2e.routes.ts';
import { frameworkErrorHandler, registerErrorHandling } from './http/errors.ts';
import { healthRoutes } from './http/health.routes.ts';
import { messageRoutes } from './http/messages.routes.ts';
import { metricsRoutes } from './http/metrics.routes.ts';
import { roomRoutes } from './http/rooms.routes.ts';
import { statsRoutes } from './http/stats.routes.ts';
import { UPLOADED_FILES_PREFIX, uploadRoutes } from './http/uploads.routes.ts';
import { registerWebApp, WEB_APP_FILES_ROUTE } from './http/web.ts';
import { registerBodyTimeouts, registerRestSendBudget } from './limits/http.ts';
import { createLimits } from './limits/limits.ts';
import { prettyLogStream, usePrettyLogs } from './log-format.ts';
import { createMetrics } from './metrics.ts';
import { createRealtimeCore, registerRealtime } from './realtime/index.ts';
import { autocompleteService } from './services/autocomplete/index.ts';
import { createServices, type Services } from './services/index.ts';
import { migrateToLatest, openStore, ping, type Store } from './store/db.ts';

export type App = FastifyInstance & {
  services: Services;
  store: Store;
  bus: Bus;
  realtime: Awaited<ReturnType<typeof registerRealtime>>;
  collab: ReturnType<typeof registerCollab>;
};

export type BuildOptions = {
  clock?: Clock;
  /** Pino options or false; defaults to JSON logs at the configured level. */
  logger?: boolean | object;
};

/** The whole server, in start-up order: store → bus → services → HTTP and realtime. `listen` is the caller's. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      // Tokens and cookies never reach the logs.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      // A person at a terminal reads lines; everything else (files, collectors, tests) gets JSON.
      ...(usePrettyLogs(config.logFormat) ? { stream: prettyLogStream() } : {}),
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Slow clients cannot hold connections open (slowloris): headers must arrive within
    // HEADERS_TIMEOUT, a silent socket is closed after REQUEST_TIMEOUT, an idle keep-alive after
    // KEEP_ALIVE_TIMEOUT. Bodies are bounded in limits/http.ts (uploads by progress, not in total);
    // Node's total request timeout stays off so that a long upload is not cut.
    connectionTimeout: config.timeouts.requestMs,
    keepAliveTimeout: config.timeouts.keepAliveMs,
    requestTimeout: 0,
    http: {
      headersTimeout: config.timeouts.headersMs,
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(config.timeouts.headersMs / 4))),
    },
    // Our ids are URL-safe and at most 64 characters; longer paths are not ours.
    routerOptions: { maxParamLength: 200 },
    // A path the router cannot decode answers in our one error shape too.
    frameworkErrors: frameworkErrorHandler,
    // One id per request across nodes: the load balancer's X-Request-Id when it sends a sane
    // one, else a fresh UUID; logged with every line and echoed in the response.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{8,128}$/.test(given) ? given : randomUUID();
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // 1. Store: open the database and bring its schema up to date before anything reads it.
  const metrics = createMetrics();
  const store = openStore(config.database, {
    onError: (error) => app.log.warn({ err: error }, 'idle database connection lost'),
    onCheckpointError: (error) =>
      app.log.warn(
        { err: error },
        'SQLite checkpoint worker stopped; the writer checkpoints the WAL itself from now on',
      ),
    onQuery: (seconds) => metrics.dbQuerySeconds.observe(seconds),
  });
  app.addHook('onClose', () => store.close());
  await migrateToLatest(store.db);

  // 2. Bus: in-process for one node, Redis pub/sub when REDIS_URL scales out to several.
  const bus = config.redisUrl
    ? await createRedisBus(config.redisUrl, app.log, config.redisPrefix, (s) => metrics.busPublishSeconds.observe(s))
    : createMemoryBus((error) => app.log.warn({ err: error }, 'bus handler failed'));
  app.addHook('onClose', () => bus.close());
  // Limits every node shares (sends, sockets per user, failed sign-ins, HTTP rate limits): Redis too.
  const limits = await createLimits({ redisUrl: config.redisUrl, prefix: config.redisPrefix, log: app.log });
  app.addHook('onClose', () => limits.close());

  // 3. Realtime core (fan-out, presence, room-list feed), then the services that read it,
  //    then the data every node expects to find.
  const core = createRealtimeCore({ bus, clock, options: config.realtime, metrics, log: app.log });
  app.addHook('onClose', async () => core.closeLog());
  const services = createServices({ db: store.db, clock, config, presence: core.presence, limits });
  await services.rooms.ensureDefaultRooms(config.defaultRooms);

  // 4. HTTP infrastructure: compression (before any route), errors, cookies, rate limits,
  //    sessions, API docs.
  await registerCompression(app, {
    sentAsStored: (url) => url === WEB_APP_FILES_ROUTE || url.startsWith(UPLOADED_FILES_PREFIX),
  });
  const spaFallback = await registerWebApp(app, config.webDir, { uploadsOrigin: config.uploads.origin });
  registerErrorHandling(app, { bodyLimit: config.bodyLimit, spaFallback });
  // An empty JSON body means "no fields" (curl -X POST without -d), not a parse error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(
        Object.assign(new Error('invalid JSON'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }),
        undefined,
      );
    }
  });
  if (config.corsOrigins.length > 0) {
    // Listed origins only, no credentials: a page elsewhere signs in with a bearer token, so the
    // session cookie can never be ridden cross-site.
    await app.register(cors, {
      origin: config.corsOrigins,
      credentials: false,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  }
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    // Shared by the nodes; while Redis is unreachable these limits let requests through.
    ...(limits.redis ? { redis: limits.redis, nameSpace: `${config.redisPrefix}:rate:`, skipOnError: true } : {}),
  });
  registerBodyTimeouts(app, config.timeouts);
  registerAuth(app, services.accounts, { corsOrigins: config.corsOrigins });
  registerRestSendBudget(app, limits, config.realtime);
  await registerDocs(app);

  // 5. Routes, one file per resource, and the realtime gateway at /ws.
  const routeOptions = {
    services,
    cookieSecure: config.cookieSecure,
    authRateLimit: config.authRateLimit,
    sendRateLimit: config.sendRateLimit,
  };
  healthRoutes(app, { pingDatabase: () => ping(store.db), bus });
  authRoutes(app, routeOptions);
  roomRoutes(app, routeOptions);
  messageRoutes(app, routeOptions);
  statsRoutes(app, routeOptions);
  e2eRoutes(app, routeOptions);
  autocompleteRoutes(app, {
    autocomplete: autocompleteService(config.autocomplete, app.log),
    rateLimit: config.autocomplete.rateLimit,
  });
  await uploadRoutes(app, { services, uploads: config.uploads, uploadDir: config.uploadDir });
  const realtime = await registerRealtime(app, { services, core, clock, options: config.realtime, limits });
  // 6. Code rooms: the Yjs socket at /ws/code and the document as text over REST.
  const collab = registerCollab(app, {
    services,
    db: store.db,
    clock,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    limits: config.code,
  });
  codeRoutes(app, { collab });
  services.messages.onMessage(() => metrics.messagesStored.inc());
  metricsRoutes(app, {
    metrics,
    token: config.metricsToken,
    gauges: () => ({ connections: realtime.gateway.connectionCount(), rooms: realtime.hub.localRoomCount() }),
  });

  return Object.assign(app, { services, store, bus, realtime, collab }) as App;
}
