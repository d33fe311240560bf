import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const mainTs = path.resolve(import.meta.dirname, '../src/main.ts');

describe('configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      database: { kind: 'sqlite', file: './data/tandem.db' },
      redisUrl: undefined,
      uploadDir: path.join(os.tmpdir(), 'tandem-uploads'),
      logLevel: 'info',
      sessionTtlSeconds: 30 * 86_400,
      defaultRooms: ['Room 1', 'Room 2', 'Room 3'],
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u@db:5432/tandem',
      REDIS_URL: 'redis://cache:6379',
      UPLOAD_DIR: '/srv/uploads',
      LOG_LEVEL: 'debug',
      SESSION_TTL: '12h',
      DEFAULT_ROOMS: 'Sala 1, Sala 2 ,,Sala 3',
      COOKIE_SECURE: 'true',
      TRUST_PROXY: '1',
      CORS_ORIGINS: 'http://localhost:8081, https://m.example.com/',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      database: { kind: 'postgres', url: 'postgres://u@db:5432/tandem' },
      redisUrl: 'redis://cache:6379',
      uploadDir: '/srv/uploads',
      logLevel: 'debug',
      sessionTtlSeconds: 43_200,
      defaultRooms: ['Sala 1', 'Sala 2', 'Sala 3'],
      cookieSecure: true,
      trustProxy: true,
      corsOrigins: ['http://localhost:8081', 'https://m.example.com'],
    });
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(loadConfig({ DEFAULT_ROOMS: '' }).defaultRooms).toEqual([]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a number (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be at most 65535 (got "70000")'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must start with postgres://, postgresql:// or sqlite:'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must start with redis:// or rediss://'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [
      { SESSION_TTL: 'forever' },
      'SESSION_TTL must be a number of seconds or a duration like 500ms, 45s, 15m, 12h, 30d',
    ],
    [{ SESSION_TTL: '0' }, 'SESSION_TTL must be longer than zero'],
    [
      { CORS_ORIGINS: 'https://m.example.com/app' },
      'CORS_ORIGINS must be a comma-separated list of origins like https://app.example.com (scheme and host, no path)',
    ],
  ])('names the variable and the problem for %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('stops the process with a one-line reason and a non-zero exit on bad configuration', () => {
    const result = spawnSync(process.execPath, [mainTs], {
      env: { PATH: process.env.PATH, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr.trim().split('\n')).toEqual([
      'tandem: invalid configuration: PORT must be a number (got "eighty")',
    ]);
  });
});
