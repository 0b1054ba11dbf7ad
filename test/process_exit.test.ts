/**
 * Process lifetime in hosted mode, checked in child `node` processes: a
 * hosted loop keeps the process alive while it has pending work, and once it
 * has finished (or nothing could ever wake it) it leaves no handle behind, so
 * the process exits by itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST_ENTRY, ensureDist, runNode } from './child';
import { BACKENDS } from './helpers';

/** Generous: a child that exits on its own does so in well under a second. */
const BOUND_MS = 15_000;

beforeAll(() => ensureDist(), 120_000);

function script(body: string): string[] {
  return ['-e', `const aioloop = require(${JSON.stringify(DIST_ENTRY)});\n${body}`];
}

describe.each(BACKENDS)('process exit (%s)', (backend) => {
  const env = { AIOLOOP_BACKEND: backend };

  it('exits on its own once runAsync finished, even with far timers and tasks left', async () => {
    const r = await runNode(
      script(`
        const { runAsync, getRunningLoop, sleep } = aioloop;
        runAsync(function* () {
          const loop = getRunningLoop();
          loop.callLater(3600, () => {});
          loop.createTask(sleep(3600));
          yield* sleep(0.01);
          return 'main done on ' + loop.backend;
        }).then((v) => console.log(v));
      `),
      { env, boundMs: BOUND_MS },
    );
    expect(r.killed).toBe(false);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`main done on ${backend}\n`);
    expect(r.code).toBe(0);
  }, 30_000);

  it('stays alive while the hosted loop has a pending timer', async () => {
    const r = await runNode(
      script(`
        const loop = new aioloop.Loop();
        loop.callLater(0.2, () => { console.log('fired'); loop.stop(); });
        loop.runForeverAsync().then(() => { console.log('stopped'); loop.close(); });
      `),
      { env, boundMs: BOUND_MS },
    );
    expect(r.killed).toBe(false);
    expect(r.stdout).toBe('fired\nstopped\n');
    expect(r.code).toBe(0);
  }, 30_000);

  it('stays alive while a coroutine waits on a Node promise', async () => {
    const r = await runNode(
      script(`
        const { runAsync, ensureFuture } = aioloop;
        runAsync(function* () {
          return yield* ensureFuture(new Promise((resolve) => setTimeout(resolve, 100, 'settled')));
        }).then((v) => console.log(v), (e) => console.log('rejected: ' + e.message));
      `),
      { env, boundMs: BOUND_MS },
    );
    expect(r.killed).toBe(false);
    expect(r.stdout).toBe('settled\n');
  }, 30_000);

  it('exits once stop() from a Node timer ended runForeverAsync, though a far timer is left', async () => {
    const r = await runNode(
      script(`
        const loop = new aioloop.Loop();
        loop.callLater(3600, () => console.log('far timer fired'));
        setTimeout(() => loop.stop(), 10);
        loop.runForeverAsync().then(() => console.log('stopped, running=' + loop.isRunning()));
      `),
      { env, boundMs: BOUND_MS },
    );
    expect(r.killed).toBe(false);
    expect(r.stdout).toBe('stopped, running=false\n');
    expect(r.code).toBe(0);
  }, 30_000);

  it('a hosted run that nothing can wake rejects with the would-wait-forever error', async () => {
    const r = await runNode(
      script(`
        const loop = new aioloop.Loop();
        const fut = loop.createFuture();
        loop.runUntilCompleteAsync(fut).then(
          () => console.log('resolved?'),
          (e) => console.log(e.name + ': ' + e.message),
        );
      `),
      { env, boundMs: BOUND_MS },
    );
    expect(r.killed).toBe(false);
    expect(r.stdout).toMatch(
      /^EventLoopError: Event loop would wait forever: nothing is ready and no timer is pending, but <Future pending> is not done, and Node's event loop has nothing left that could wake it\./,
    );
    expect(r.code).toBe(0);
  }, 30_000);

  it('a parked task that nothing can wake rejects runForeverAsync, listing the task', async () => {
    const r = await runNode(
      script(`
        const loop = new aioloop.Loop();
        loop.createTask((function* () { yield* loop.createFuture(); })(), { name: 'stuck' });
        loop.runForeverAsync().then(
          () => console.log('resolved?'),
          (e) => console.log(e.message),
        );
      `),
      { env, boundMs: BOUND_MS },
    );
    expect(r.killed).toBe(false);
    expect(r.stdout).toMatch(/^Event loop would wait forever: .*nothing left that could wake it\.\nParked tasks:\n {2}stuck: waiting for <Future pending>\n$/);
  }, 30_000);

  it('a cancelled far timer does not keep an idle loop\'s process alive', async () => {
    const r = await runNode(
      script(`
        const loop = new aioloop.Loop();
        const far = loop.callLater(3600, () => console.log('far timer fired'));
        setTimeout(() => { far.cancel(); console.log('cancelled'); }, 10);
        loop.runForeverAsync().then(() => console.log('resolved?'), (e) => console.log('rejected?'));
        process.on('exit', () => console.log('exit, running=' + loop.isRunning()));
      `),
      { env, boundMs: BOUND_MS },
    );
    expect(r.killed).toBe(false);
    expect(r.stdout).toBe('cancelled\nexit, running=true\n');
    expect(r.code).toBe(0);
  }, 30_000);
});
