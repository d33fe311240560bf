import { AutocompleteRequest, AutocompleteResponse } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AutocompleteService } from '../services/autocomplete/index.ts';
import { errorResponses } from './schema-helpers.ts';

export function autocompleteRoutes(
  app: FastifyInstance,
  options: { autocomplete: AutocompleteService; rateLimit: number },
) {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/autocomplete',
    {
      // The code may be up to 100 KB (checked by the schema, 400 past it); JSON escaping can
      // make the body larger than the code itself.
      bodyLimit: 1024 * 1024,
      config: { rateLimit: { max: options.rateLimit, timeWindow: 60_000 } },
      schema: {
        tags: ['code'],
        summary: 'Suggest code to insert at the cursor (mocked AI)',
        description:
          'Works without a session. The default provider is rule-based and deterministic: it closes open brackets and quotes, adds block templates after def/for/if/function/class/interface…, completes common standard-library members (console., JSON., os.path., json.…) and the current word from identifiers in the document. An OpenAI-compatible provider can be configured; it falls back to the rules on error or timeout.',
        body: AutocompleteRequest,
        response: { 200: AutocompleteResponse, ...errorResponses(400, 413, 429) },
      },
    },
    async (request) => options.autocomplete.suggest(request.body),
  );
}
