import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Parses "30d", "12h", "15m", "45s" or a plain number of seconds into seconds. */
const Duration = z
  .string()
  .trim()
  .regex(/^\d+\s*[smhd]?$/, 'must be a number of seconds or a duration like 45s, 15m, 12h, 30d')
  .transform((v) => {
    const n = Number.parseInt(v, 10);
    const unit = v.at(-1) ?? 's';
    const factor = { s: 1, m: 60, h: 3600, d: 86_400 }[unit] ?? 1;
    return n * factor;
  })
  .refine((s) => s > 0, 'must be longer than zero');

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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL: Duration.default(30 * 86_400),
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
  BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
  LOGIN_FAILURE_WINDOW: Duration.default(15 * 60),
  AUTH_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(30),
  SEND_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(300),
});

export type Config = {
  port: number;
  host: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  redisUrl: string | undefined;
  uploadDir: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  sessionTtlSeconds: number;
  defaultRooms: string[];
  cookieSecure: 'auto' | boolean;
  trustProxy: boolean;
  bodyLimit: number;
  loginMaxFailures: number;
  loginFailureWindowSeconds: number;
  /** Guest, register, login and join-as-guest calls per address per minute. */
  authRateLimit: number;
  /** Messages per user per minute. */
  sendRateLimit: number;
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
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL.startsWith('sqlite:')
      ? { kind: 'sqlite', file: e.DATABASE_URL.slice('sqlite:'.length) || './data/tandem.db' }
      : { kind: 'postgres', url: e.DATABASE_URL },
    redisUrl: e.REDIS_URL,
    uploadDir: e.UPLOAD_DIR,
    logLevel: e.LOG_LEVEL,
    sessionTtlSeconds: e.SESSION_TTL,
    defaultRooms: e.DEFAULT_ROOMS,
    cookieSecure: e.COOKIE_SECURE === 'auto' ? 'auto' : e.COOKIE_SECURE === 'true',
    trustProxy: e.TRUST_PROXY,
    bodyLimit: e.BODY_LIMIT,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginFailureWindowSeconds: e.LOGIN_FAILURE_WINDOW,
    authRateLimit: e.AUTH_RATE_LIMIT,
    sendRateLimit: e.SEND_RATE_LIMIT,
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
