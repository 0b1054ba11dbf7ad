import { defineConfig } from 'vitest/config';
import { ForksPoolWorker } from 'vitest/node';

/**
 * AIOLOOP_TEST_NODE=/path/to/bin/node runs every test file under that Node
 * (scripts/node-matrix.sh uses it for Node 18, 22 and 24), while vitest itself
 * runs on the Node that started it. Vitest 4 cannot start on Node 18 (its
 * bundler imports `styleText` from node:util), but the worker processes it
 * forks only run the tests, and they do run on 18. Vitest forks each worker
 * with `child_process.fork`, which starts `process.execPath`: this pool swaps
 * that for the duration of the (synchronous) fork, and test/other-node.setup.ts
 * checks in every worker that the swap took effect.
 */
const otherNode = process.env.AIOLOOP_TEST_NODE || '';

class OtherNodeForksWorker extends ForksPoolWorker {
  override readonly name = 'forks-other-node';
  override start(): Promise<void> {
    const own = process.execPath;
    process.execPath = otherNode;
    try {
      return super.start();
    } finally {
      process.execPath = own;
    }
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons are not safe in worker threads shared by test files.
    pool: otherNode ? { name: 'forks-other-node', createPoolWorker: (options: ConstructorParameters<typeof ForksPoolWorker>[0]) => new OtherNodeForksWorker(options) } : 'forks',
    ...(otherNode ? { setupFiles: ['test/other-node.setup.ts'], env: { AIOLOOP_TEST_NODE: otherNode, AIOLOOP_TEST_NODE_IS: process.env.AIOLOOP_TEST_NODE_IS ?? '' } } : {}),
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
