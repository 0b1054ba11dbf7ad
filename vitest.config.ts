import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons are not safe in worker threads shared by test files.
    pool: 'forks',
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
