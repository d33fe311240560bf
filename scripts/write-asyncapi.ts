/**
 * Writes docs/asyncapi.yaml, the AsyncAPI 3.0 document of Tandem's sockets (`/ws`, `/ws/code`),
 * from the zod schemas in packages/protocol/src/ws.ts. The server builds the same text and serves
 * it at /docs/asyncapi (apps/server/src/http/asyncapi.ts).
 *
 *   node scripts/write-asyncapi.ts           (re)writes docs/asyncapi.yaml
 *   node scripts/write-asyncapi.ts --check   exits 1 when docs/asyncapi.yaml is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../apps/server/src/config.ts';
import { asyncApiYaml } from '../apps/server/src/http/asyncapi.ts';

export const ASYNCAPI_DOC_PATH = fileURLToPath(new URL('../docs/asyncapi.yaml', import.meta.url));

/** The whole of docs/asyncapi.yaml, for the server's default configuration. */
export function renderAsyncApi(): string {
  return asyncApiYaml({ limits: loadConfig({}).realtime });
}

if (import.meta.main) {
  const rendered = renderAsyncApi();
  if (process.argv.includes('--check')) {
    let current: string | null = null;
    try {
      current = readFileSync(ASYNCAPI_DOC_PATH, 'utf8');
    } catch {
      current = null;
    }
    if (current !== rendered) {
      process.stderr.write(
        `docs/asyncapi.yaml is ${current === null ? 'missing' : 'out of date'}: run \`npm run docs:asyncapi\` and commit the result.\n`,
      );
      process.exit(1);
    }
    process.stdout.write('docs/asyncapi.yaml is up to date.\n');
  } else {
    writeFileSync(ASYNCAPI_DOC_PATH, rendered);
    process.stdout.write(`wrote ${ASYNCAPI_DOC_PATH}\n`);
  }
}
