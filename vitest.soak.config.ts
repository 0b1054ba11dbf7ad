import { defineConfig } from 'vitest/config';

/**
 * `npm run test:soak`: the long runs kept out of the normal test run — the
 * memory soak (test/soak/), the differential tests at 100,000 programs and the
 * load tests at 1,000,000 live Tasks. Each file runs alone in its own process
 * (with --expose-gc) so memory figures do not mix. Environment variables
 * already set win over these defaults.
 */
const env = (name: string, fallback: string) => process.env[name] || fallback;

export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts', 'test/differential.test.ts', 'test/load.test.ts'],
    pool: 'forks',
    execArgv: ['--expose-gc'],
    fileParallelism: false,
    testTimeout: 60 * 60_000,
    hookTimeout: 60_000,
    env: {
      AIOLOOP_DIFF_RUNS: env('AIOLOOP_DIFF_RUNS', '100000'),
      AIOLOOP_LOAD_TASKS: env('AIOLOOP_LOAD_TASKS', '1000000'),
    },
  },
});
