import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { publicUrl, runningLine, usePrettyLogs } from './log-format.ts';
import { enableScavenging } from './services/memory.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`tandem: invalid configuration: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

// Process-wide V8 settings belong to the entry point, not to whoever imports a module.
enableScavenging();

const app = await buildApp(config).catch((error: unknown) => {
  process.stderr.write(`tandem: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

// Housekeeping: expired sessions, and files never attached to a message.
const sweep = setInterval(() => {
  const warn = (what: string) => (error: unknown) => app.log.warn({ err: error }, `${what} sweep failed`);
  app.services.accounts.deleteExpiredSessions().catch(warn('session'));
  app.services.uploads.sweepOrphans().catch(warn('upload'));
}, 3_600_000);
sweep.unref();

// Stop accepting, let requests in flight finish, close the database; a stuck close is cut short.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  process.stderr.write(
    `tandem: could not listen on ${config.host}:${config.port}: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}

// One line a person can act on. In a terminal it stands on its own; in JSON logs it is a log line.
const line = runningLine(publicUrl(app.server.address(), config.host));
if (usePrettyLogs(config.logFormat)) process.stdout.write(`\n  ${line}\n\n`);
else app.log.info({ url: publicUrl(app.server.address(), config.host) }, line);
