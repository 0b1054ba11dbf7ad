import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { allTasks, createTask, run, sleep, type Coroutine } from '../lib/index';
import { BACKENDS, captureErrors, makeLoop } from './helpers';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Collects garbage until `done()` or a few rounds passed. Finalization
 * callbacks run as their own macrotasks, hence the setImmediate between.
 */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 30 && !done(); i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

/** Busy-waits `ms` milliseconds (a slow callback). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

describe.each(BACKENDS)('debug mode (%s)', (backend) => {
  it('reports a callback slower than slowCallbackDuration, with its duration', () => {
    const loop = makeLoop(backend, { debug: true });
    const seen = captureErrors(loop);
    loop.slowCallbackDuration = 0.002;
    loop.callSoon(function slowOne() {
      busy(4);
    });
    loop.callSoon(() => loop.stop());
    loop.runForever();
    expect(seen).toHaveLength(1);
    expect(seen[0].message).toMatch(/^Executing <Handle slowOne> took \d+\.\d{3} seconds$/);
    expect(seen[0].duration as number).toBeGreaterThanOrEqual(0.002);
    expect(seen[0]).not.toHaveProperty('exception');
  });

  it('reports no slow callback outside debug mode', () => {
    const loop = makeLoop(backend);
    const seen = captureErrors(loop);
    loop.slowCallbackDuration = 0.002;
    loop.callSoon(() => busy(4));
    loop.callSoon(() => loop.stop());
    loop.runForever();
    expect(seen).toEqual([]);
  });

  it('is turned on by AIOLOOP_DEBUG=1', () => {
    const saved = process.env.AIOLOOP_DEBUG;
    process.env.AIOLOOP_DEBUG = '1';
    try {
      expect(makeLoop(backend).getDebug()).toBe(true);
      expect(makeLoop(backend, { debug: false }).getDebug()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.AIOLOOP_DEBUG;
      else process.env.AIOLOOP_DEBUG = saved;
    }
    expect(makeLoop(backend).getDebug()).toBe(saved === '1');
  });

  it('reports a Future whose exception was never retrieved when it is collected, in normal mode', async () => {
    const loop = makeLoop(backend);
    const seen = captureErrors(loop);
    const boom = new Error('never looked at');
    (() => {
      loop.createFuture().setException(boom);
    })();
    await collectUntil(() => seen.length > 0);
    expect(seen).toHaveLength(1);
    expect(seen[0].message).toBe('Future exception was never retrieved');
    expect(seen[0].exception).toBe(boom);
    expect(seen[0].future).toMatch(/^<Future finished exception=Error: never looked at>$/);
  });

  it('reports a Task whose exception was never retrieved', async () => {
    const loop = makeLoop(backend);
    const seen = captureErrors(loop);
    const boom = new Error('task failed');
    loop.runUntilComplete(
      (function* () {
        loop.createTask(
          (function* (): Coroutine<never> {
            yield;
            throw boom;
          })(),
          { name: 'forgotten' },
        );
        yield* sleep(0);
        yield* sleep(0);
      })(),
    );
    await collectUntil(() => seen.length > 0);
    expect(seen.map((c) => c.message)).toEqual(['Task exception was never retrieved']);
    expect(seen[0].exception).toBe(boom);
    expect(seen[0].future).toMatch(/name='forgotten'/);
  });

  it('does not report an exception that was retrieved or a Future that was cancelled', async () => {
    const loop = makeLoop(backend);
    const seen = captureErrors(loop);
    let sentinelCollected = false;
    const registry = new FinalizationRegistry(() => {
      sentinelCollected = true;
    });
    (() => {
      const a = loop.createFuture();
      a.setException(new Error('a'));
      a.exception();
      const b = loop.createFuture();
      b.setException(new Error('b'));
      try {
        b.result();
      } catch {
        // retrieved
      }
      const c = loop.createFuture();
      c.setException(new Error('c'));
      c.cancel(); // asyncio: cancel() silences the report too
      const sentinel = loop.createFuture();
      sentinel.setException(new Error('sentinel'));
      registry.register(sentinel, 0);
    })();
    await collectUntil(() => sentinelCollected && seen.length > 0);
    expect(sentinelCollected).toBe(true);
    expect(seen.map((c) => (c.exception as Error).message)).toEqual(['sentinel']);
  });

  it('reports a Task destroyed while pending in debug mode', async () => {
    const loop = makeLoop(backend, { debug: true });
    const seen = captureErrors(loop);
    loop.runUntilComplete(
      (function* () {
        // Waits on a Future that nothing else holds: it can never finish.
        loop.createTask(
          (function* () {
            yield* loop.createFuture();
          })(),
          { name: 'orphan' },
        );
        yield* sleep(0);
        yield* sleep(0);
      })(),
    );
    await collectUntil(() => seen.length > 0);
    expect(seen).toHaveLength(1);
    expect(seen[0].message).toBe('Task was destroyed but it is pending!');
    expect(seen[0].task).toBe("<Task pending name='orphan'>");
  });

  it('does not report a pending Task outside debug mode (the loop keeps it)', async () => {
    const loop = makeLoop(backend);
    const seen = captureErrors(loop);
    loop.runUntilComplete(
      (function* () {
        loop.createTask(
          (function* () {
            yield* loop.createFuture();
          })(),
        );
        yield* sleep(0);
      })(),
    );
    let sentinelCollected = false;
    const registry = new FinalizationRegistry(() => {
      sentinelCollected = true;
    });
    registry.register({}, 0);
    await collectUntil(() => sentinelCollected);
    expect(seen).toEqual([]);
    expect(allTasks(loop).size).toBe(1);
  });

  it('does not report tasks that finished, in debug mode', async () => {
    const loop = makeLoop(backend, { debug: true });
    const seen = captureErrors(loop);
    let sentinelCollected = false;
    const registry = new FinalizationRegistry(() => {
      sentinelCollected = true;
    });
    loop.runUntilComplete(
      (function* () {
        for (let i = 0; i < 10; i++) registry.register(loop.createTask(sleep(0)), i);
        yield* sleep(0);
        yield* sleep(0);
      })(),
    );
    await collectUntil(() => sentinelCollected);
    expect(sentinelCollected).toBe(true);
    expect(seen).toEqual([]);
  });

  it('keeps allTasks working for tasks made in debug mode', () => {
    const loop = makeLoop(backend, { debug: true });
    const t = loop.createTask(sleep(10));
    expect(allTasks(loop).has(t)).toBe(true);
    loop.runUntilComplete(sleep(0));
    expect(allTasks(loop).has(t)).toBe(true);
    t.cancel();
    loop.runUntilComplete(sleep(0));
    expect(allTasks(loop).has(t)).toBe(false);
  });

  it('lets run() cancel at shutdown the tasks made in debug mode', () => {
    let cleanedUp = false;
    run(
      function* () {
        createTask(
          (function* () {
            try {
              yield* sleep(100);
            } finally {
              cleanedUp = true;
            }
          })(),
        );
        yield* sleep(0);
      },
      { backend, debug: true },
    );
    expect(cleanedUp).toBe(true);
  });
});
