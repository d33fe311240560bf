import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Parses "30d", "12h", "15m", "45s", "500ms" or a plain number of seconds into milliseconds. */
const Duration = z
  .string()
  .trim()
  .regex(/^\d+\s*(ms|s|m|h|d)?$/, 'must be a number of seconds or a duration like 500ms, 45s, 15m, 12h, 30d')
  .transform((v) => {
    const n = Number.parseInt(v, 10);
    const unit = /(ms|s|m|h|d)$/.exec(v)?.[1] ?? 's';
    const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1000;
    return n * factor;
  })
  .refine((ms) => ms > 0, 'must be longer than zero');

/** Parses a byte count: a plain number, or with a unit — "512MiB", "1GiB", "10GB" (KiB/MiB/GiB/TiB are ×1024). */
const Bytes = z
  .string()
  .trim()
  .regex(/^\d+\s*([KMGT]i?B|B)?$/i, 'must be a number of bytes, or with a unit like 512MiB, 1GiB, 10GB')
  .transform((v) => {
    const unit = (/([KMGT]i?B|B)$/i.exec(v)?.[1] ?? 'B').toUpperCase();
    const power = ['B', 'K', 'M', 'G', 'T'].indexOf(unit[0] ?? 'B');
    return Number.parseInt(v, 10) * (unit.includes('I') ? 1024 : 1000) ** power;
  })
  .refine((n) => Number.isSafeInteger(n), 'is too large');

const Bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const DatabaseUrl = z
  .string()
  .trim()
  .refine(
    (v) => /^postgres(ql)?:\/\//.test(v) || v.startsWith('sqlite:'),
    'must start with postgres://, postgresql:// or sqlite: (e.g. sqlite:./data/tandem.db or sqlite::memory:)',
  );

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DATABASE_URL: DatabaseUrl.default('sqlite:./data/tandem.db'),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  UPLOAD_DIR: z.string().trim().min(1).default(path.join(os.tmpdir(), 'tandem-uploads')),
  UPLOAD_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(100 * 1024 ** 3)
    .default(25 * 1024 * 1024),
  UPLOAD_MAX_FILES: z.coerce.number().int().min(1).max(1000).default(10),
  UPLOAD_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(30),
  UPLOAD_ORPHAN_TTL: Duration.default(3_600_000),
  // Per-user byte quotas (0 turns one off) and the free space UPLOAD_DIR's disk must keep.
  UPLOAD_QUOTA_DAILY: Bytes.default(1024 ** 3),
  UPLOAD_QUOTA_TOTAL: Bytes.default(5 * 1024 ** 3),
  UPLOAD_QUOTA_GUEST: Bytes.default(512 * 1024 ** 2),
  UPLOAD_MIN_FREE_DISK: Bytes.default(1024 ** 3),
  // Another origin that serves the files (https://files.example.com); see docs/deployment.md.
  UPLOADS_ORIGIN: z
    .string()
    .trim()
    .transform((v) => v.replace(/\/+$/, ''))
    .refine((v) => /^https?:\/\/[^/\s]+$/.test(v), 'must be an origin like https://files.example.com (no path)')
    .optional(),
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters long').optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  // PostgreSQL ends a session of ours that sits in an open transaction this long (a frozen node,
  // a lost connection PostgreSQL has not noticed), releasing its row locks for the other nodes.
  DATABASE_IDLE_TRANSACTION_TIMEOUT: Duration.default(5000),
  AUTOCOMPLETE_PROVIDER: z.enum(['rules', 'openai']).default('rules'),
  AUTOCOMPLETE_OPENAI_URL: z.url().default('https://api.openai.com/v1'),
  AUTOCOMPLETE_OPENAI_KEY: z.string().trim().min(1).optional(),
  AUTOCOMPLETE_OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  AUTOCOMPLETE_TIMEOUT: Duration.default(1500),
  AUTOCOMPLETE_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(120),
  // Code rooms (/ws/code): the largest document, the largest frame, the bytes a socket may send.
  CODE_DOC_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .max(64 * 1024 * 1024)
    .default(512 * 1024),
  CODE_WS_MAX_FRAME_BYTES: z.coerce
    .number()
    .int()
    .min(4 * 1024)
    .max(16 * 1024 * 1024)
    .default(256 * 1024),
  CODE_WS_BYTES_PER_SECOND: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(64 * 1024),
  CODE_WS_BURST_BYTES: z.coerce
    .number()
    .int()
    .min(4 * 1024)
    .max(1024 * 1024 * 1024)
    .default(1024 * 1024),
  CODE_MAX_OPEN_DOCUMENTS: z.coerce.number().int().min(1).max(10_000).default(20),
  WEB_DIR: z
    .string()
    .trim()
    .min(1)
    .default(fileURLToPath(new URL('../../web/dist', import.meta.url))),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // auto: readable lines when stdout is a terminal, JSON lines (one object a line) everywhere else.
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  SESSION_TTL: Duration.default(30 * 86_400_000),
  DEFAULT_ROOMS: z
    .string()
    .default('Room 1,Room 2,Room 3')
    .transform((v) =>
      v
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name.length > 0),
    )
    .refine((names) => names.every((n) => n.length <= 64), 'each room name must be at most 64 characters'),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  TRUST_PROXY: Bool.default(false),
  // Other origins whose pages may call the API (e.g. the phone app's web build served elsewhere).
  // Bearer tokens only: cross-origin requests never carry the session cookie.
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((origin) => origin.trim().replace(/\/+$/, ''))
        .filter((origin) => origin.length > 0),
    )
    .refine(
      (origins) => origins.every((o) => /^https?:\/\/[^/\s]+$/.test(o)),
      'must be a comma-separated list of origins like https://app.example.com (scheme and host, no path)',
    ),
  BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
  LOGIN_FAILURE_WINDOW: Duration.default(15 * 60_000),
  AUTH_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(30),
  SEND_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(300),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, "_", "-" or "."')
    .default('tandem'),
  WS_MAX_FRAME_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  WS_SEND_BUFFER_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(1024 * 1024),
  WS_SENDS_PER_SECOND: z.coerce.number().positive().max(100_000).default(20),
  WS_SEND_BURST: z.coerce.number().int().min(1).max(100_000).default(40),
  WS_HEARTBEAT: Duration.default(30_000),
  WS_AUTH_TIMEOUT: Duration.default(10_000),
  WS_MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(20),
  REQUEST_TIMEOUT: Duration.default(30_000),
  HEADERS_TIMEOUT: Duration.default(10_000),
  KEEP_ALIVE_TIMEOUT: Duration.default(5_000),
  TYPING_TIMEOUT: Duration.default(5_000),
  NODE_TIMEOUT: Duration.default(10_000),
});

export type Config = {
  port: number;
  host: string;
  database:
    | { kind: 'sqlite'; file: string }
    | { kind: 'postgres'; url: string; poolSize?: number; idleTransactionTimeoutMs?: number };
  redisUrl: string | undefined;
  uploadDir: string;
  uploads: {
    maxFileBytes: number;
    maxFiles: number;
    /** Upload requests per user per minute. */
    rateLimit: number;
    /** Files never attached to a message are deleted after this long. */
    orphanTtlMs: number;
    /** Bytes a user may upload in 24 hours, and keep stored; 0: no limit. */
    quotaDailyBytes: number;
    quotaTotalBytes: number;
    /** Guests: at most this, per day and in all (0: the same as everyone). */
    quotaGuestBytes: number;
    /** Uploads are refused (507) while UPLOAD_DIR's disk has less free space than this; 0: never. */
    minFreeDiskBytes: number;
    /** When set, file links point at this origin and /static on the app's origin redirects there. */
    origin: string | undefined;
  };
  /** When set, /metrics wants it as a bearer token. */
  metricsToken: string | undefined;
  autocomplete: {
    provider: 'rules' | 'openai';
    openai: { baseUrl: string; apiKey: string; model: string } | undefined;
    timeoutMs: number;
    /** Requests per address per minute. */
    rateLimit: number;
  };
  /** Code rooms: what one document and one `/ws/code` socket may take. */
  code: {
    /** Largest document as stored (its Yjs state); an edit past it closes the socket (4413). */
    maxDocumentBytes: number;
    /** Largest frame on `/ws/code`; bigger closes the socket (1009). */
    maxFrameBytes: number;
    /** Bytes a code socket may send per second, and at once; more closes it (4429). */
    bytesPerSecond: number;
    burstBytes: number;
    /** Code documents one user may have open at once on a node. */
    maxOpenDocuments: number;
  };
  /** The built web app (apps/web/dist); served at / when it exists. */
  webDir: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** `auto` picks `pretty` when stdout is a terminal and `json` otherwise (the caller decides). */
  logFormat: z.infer<typeof EnvSchema>['LOG_FORMAT'];
  sessionTtlSeconds: number;
  defaultRooms: string[];
  cookieSecure: 'auto' | boolean;
  trustProxy: boolean;
  /** Origins (scheme://host[:port]) whose pages may call the API with a bearer token. */
  corsOrigins: string[];
  bodyLimit: number;
  timeouts: {
    /** A request body must arrive within this (uploads: keep arriving); also a socket's idle limit. */
    requestMs: number;
    /** The request line and headers must arrive within this. */
    headersMs: number;
    /** An idle keep-alive connection is closed after this. */
    keepAliveMs: number;
  };
  loginMaxFailures: number;
  loginFailureWindowSeconds: number;
  /** Guest, register, login and join-as-guest calls per address per minute. */
  authRateLimit: number;
  /** Messages per user per minute. */
  sendRateLimit: number;
  redisPrefix: string;
  realtime: {
    maxFrameBytes: number;
    sendBufferLimit: number;
    sendsPerSecond: number;
    sendBurst: number;
    heartbeatMs: number;
    authTimeoutMs: number;
    /** Open sockets per user across all nodes; one more is refused (close 4429). */
    maxSocketsPerUser: number;
    typingTimeoutMs: number;
    /** A node not heard from for this long is taken for dead and its users leave. */
    nodeTimeoutMs: number;
  };
};

export class ConfigError extends Error {}

/**
 * Reads the environment into a typed config. A bad value throws a ConfigError whose message is
 * one line naming the variable and what is wrong, e.g.
 * `PORT must be at most 65535 (got "70000")`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const got = env[name];
    throw new ConfigError(`${name} ${describeIssue(issue)}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`);
  }
  const e = parsed.data;
  if (e.AUTOCOMPLETE_PROVIDER === 'openai' && !e.AUTOCOMPLETE_OPENAI_KEY) {
    throw new ConfigError('AUTOCOMPLETE_OPENAI_KEY must be set when AUTOCOMPLETE_PROVIDER is openai');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL.startsWith('sqlite:')
      ? { kind: 'sqlite', file: e.DATABASE_URL.slice('sqlite:'.length) || './data/tandem.db' }
      : {
          kind: 'postgres',
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          idleTransactionTimeoutMs: e.DATABASE_IDLE_TRANSACTION_TIMEOUT,
        },
    redisUrl: e.REDIS_URL,
    uploadDir: path.resolve(e.UPLOAD_DIR),
    uploads: {
      maxFileBytes: e.UPLOAD_MAX_FILE_BYTES,
      maxFiles: e.UPLOAD_MAX_FILES,
      rateLimit: e.UPLOAD_RATE_LIMIT,
      orphanTtlMs: e.UPLOAD_ORPHAN_TTL,
      quotaDailyBytes: e.UPLOAD_QUOTA_DAILY,
      quotaTotalBytes: e.UPLOAD_QUOTA_TOTAL,
      quotaGuestBytes: e.UPLOAD_QUOTA_GUEST,
      minFreeDiskBytes: e.UPLOAD_MIN_FREE_DISK,
      origin: e.UPLOADS_ORIGIN,
    },
    webDir: path.resolve(e.WEB_DIR),
    metricsToken: e.METRICS_TOKEN,
    autocomplete: {
      provider: e.AUTOCOMPLETE_PROVIDER,
      openai: e.AUTOCOMPLETE_OPENAI_KEY
        ? { baseUrl: e.AUTOCOMPLETE_OPENAI_URL, apiKey: e.AUTOCOMPLETE_OPENAI_KEY, model: e.AUTOCOMPLETE_OPENAI_MODEL }
        : undefined,
      timeoutMs: e.AUTOCOMPLETE_TIMEOUT,
      rateLimit: e.AUTOCOMPLETE_RATE_LIMIT,
    },
    code: {
      maxDocumentBytes: e.CODE_DOC_MAX_BYTES,
      maxFrameBytes: e.CODE_WS_MAX_FRAME_BYTES,
      bytesPerSecond: e.CODE_WS_BYTES_PER_SECOND,
      // One frame of the largest size always fits in the bucket.
      burstBytes: Math.max(e.CODE_WS_BURST_BYTES, e.CODE_WS_MAX_FRAME_BYTES),
      maxOpenDocuments: e.CODE_MAX_OPEN_DOCUMENTS,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    sessionTtlSeconds: e.SESSION_TTL / 1000,
    defaultRooms: e.DEFAULT_ROOMS,
    cookieSecure: e.COOKIE_SECURE === 'auto' ? 'auto' : e.COOKIE_SECURE === 'true',
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS,
    bodyLimit: e.BODY_LIMIT,
    timeouts: { requestMs: e.REQUEST_TIMEOUT, headersMs: e.HEADERS_TIMEOUT, keepAliveMs: e.KEEP_ALIVE_TIMEOUT },
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginFailureWindowSeconds: e.LOGIN_FAILURE_WINDOW / 1000,
    authRateLimit: e.AUTH_RATE_LIMIT,
    sendRateLimit: e.SEND_RATE_LIMIT,
    redisPrefix: e.REDIS_PREFIX,
    realtime: {
      maxFrameBytes: e.WS_MAX_FRAME_BYTES,
      sendBufferLimit: e.WS_SEND_BUFFER_LIMIT,
      sendsPerSecond: e.WS_SENDS_PER_SECOND,
      sendBurst: e.WS_SEND_BURST,
      heartbeatMs: e.WS_HEARTBEAT,
      authTimeoutMs: e.WS_AUTH_TIMEOUT,
      maxSocketsPerUser: e.WS_MAX_SOCKETS_PER_USER,
      typingTimeoutMs: e.TYPING_TIMEOUT,
      nodeTimeoutMs: e.NODE_TIMEOUT,
    },
  };
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'is invalid';
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number' ? 'must be a number' : `must be a ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    default:
      return issue.message.startsWith('must') ? issue.message : `is invalid: ${issue.message}`;
  }
}
