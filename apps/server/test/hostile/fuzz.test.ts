import { describe, expect, it } from 'vitest';
import { describeReport, runFuzz } from './fuzz.ts';

/**
 * The CI-sized fuzz run (`npm run fuzz` runs the same code with 200 000 inputs): 20 000 random
 * and mutated inputs on REST, `/ws` and `/ws/code` against a real server process. FUZZ_COUNT,
 * FUZZ_SEED and FUZZ_HEALTHZ_MS override the count, the seed (printed, so a failure reproduces)
 * and the /healthz limit.
 */
const count = Number(process.env.FUZZ_COUNT ?? 20_000);
const healthzLimitMs = Number(process.env.FUZZ_HEALTHZ_MS ?? 100);

describe('fuzzing the server', () => {
  it(
    `survives ${count} random inputs: no crash, no 500, no error log line, /healthz fast, memory back`,
    async () => {
      const report = await runFuzz({
        count,
        healthzLimitMs,
        ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
        log: (line) => process.stdout.write(`${line}\n`),
      });
      const { lines, failures } = describeReport(report, healthzLimitMs);
      process.stdout.write(`${lines.join('\n')}\n`);
      expect(report.inputs).toBeGreaterThanOrEqual(count);
      expect(failures, `seed ${report.seed}`).toEqual([]);
    },
    15 * 60_000,
  );
});
