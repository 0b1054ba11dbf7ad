/**
 * References: a loop keeps what is pending alive, lets go of each callback
 * once it ran or was cancelled, and a closed loop holds no callback at all
 * (SPEC §6). Shown with a FinalizationRegistry: every tracked object must be
 * reported collected after garbage collection, while the loop object itself
 * stays alive. Both backends.
 *
 * The long soaks (flat memory over 10,000,000 cycles) are in test/soak/.
 */
import { describe, expect, it } from 'vitest';
import type { Coroutine, Future, Loop } from '../lib/index';
import { collectUntil, exposeGc } from './gc';
import { BACKENDS, makeLoop } from './helpers';

/** Tracks objects and tells which of them were garbage collected. */
class Tracker {
  readonly collected = new Set<string>();
  readonly labels: string[] = [];
  private readonly registry = new FinalizationRegistry<string>((label) => this.collected.add(label));

  track<T extends object>(obj: T, label: string): T {
    this.labels.push(label);
    this.registry.register(obj, label);
    return obj;
  }

  missing(): string[] {
    return this.labels.filter((l) => !this.collected.has(l));
  }
}

/** How many of each thing the scenarios schedule. */
const EACH = 50;

function* parked(fut: Future<unknown>, payload: object): Coroutine<unknown> {
  // `payload` lives in the generator's frame: it is freed only with the task.
  const v = yield* fut;
  return [v, payload];
}

/**
 * Fills `loop` with every kind of pending work: ready callbacks, timers
 * (near, far, infinite), cancelled ones, Futures with done-callbacks, Tasks
 * parked on Futures, a Task between steps. Nothing here is kept by the caller.
 */
function schedulePending(loop: Loop, t: Tracker): void {
  for (let i = 0; i < EACH; i++) {
    const h = loop.callSoon(t.track((_arg: object) => {}, `soon cb ${i}`), t.track({}, `soon arg ${i}`));
    t.track(h, `soon handle ${i}`);
    t.track(loop.callLater(10 + i, t.track((_arg: object) => {}, `later cb ${i}`), t.track({}, `later arg ${i}`)), `later handle ${i}`);
    t.track(loop.callAt(Infinity, t.track(() => {}, `never cb ${i}`)), `never handle ${i}`);
    const fut = t.track(loop.createFuture(), `future ${i}`);
    fut.addDoneCallback(t.track(() => {}, `done cb ${i}`));
    t.track(loop.createTask(parked(fut, t.track({}, `task payload ${i}`)), { name: `parked ${i}` }), `task ${i}`);
  }
}

describe.each(BACKENDS)('references (%s)', (backend) => {
  it('an open loop keeps its pending callbacks alive', async () => {
    const t = new Tracker();
    const loop = makeLoop(backend, { clock: 'virtual' });
    schedulePending(loop, t);
    loop.runOnce(); // tasks park; ready callbacks run (and may go)
    await collectUntil(() => false);
    // Still pending, so none of these may have been collected. (The native
    // core keeps the callback, not the handle object: a handle nobody holds
    // may go, and its callback must still be there.)
    const keptHandles = backend === 'js';
    const pending = t.labels.filter(
      (l) => /^(later|never|future|task|done cb)/.test(l) && (keptHandles || !/handle/.test(l)),
    );
    expect(pending.filter((l) => t.collected.has(l))).toEqual([]);
    expect(pending.length).toBe(keptHandles ? EACH * 9 : EACH * 7);
  });

  it('closing a loop releases every callback, argument, handle, Future and Task', async () => {
    const t = new Tracker();
    const loop = makeLoop(backend, { clock: 'virtual' });
    schedulePending(loop, t);
    loop.runOnce();
    schedulePending(loop, t); // and a second round still in the ready queue
    loop.close();
    await collectUntil(() => t.missing().length === 0);
    expect(t.missing()).toEqual([]);
    expect(loop.isClosed()).toBe(true); // the loop itself is still here
  });

  it('callbacks that ran are released while the loop stays open', async () => {
    const t = new Tracker();
    const loop = makeLoop(backend, { clock: 'virtual' });
    ((): void => {
      for (let i = 0; i < EACH; i++) {
        t.track(loop.callSoon(t.track((_arg: object) => {}, `soon cb ${i}`), t.track({}, `arg ${i}`)), `soon handle ${i}`);
        t.track(loop.callLater(i / 10, t.track(() => {}, `timer cb ${i}`)), `timer handle ${i}`);
        const fut = loop.createFuture();
        fut.addDoneCallback(t.track(() => {}, `done cb ${i}`));
        fut.setResult(t.track({}, `result ${i}`));
        t.track(fut, `future ${i}`);
      }
    })();
    loop.callLater(10, () => loop.stop());
    loop.runForever();
    await collectUntil(() => t.missing().length === 0);
    expect(t.missing()).toEqual([]);
  });

  it('cancelled timers are released without running the loop to their deadline', async () => {
    const t = new Tracker();
    const loop = makeLoop(backend, { clock: 'virtual' });
    ((): void => {
      for (let i = 0; i < EACH; i++) {
        const h = loop.callLater(3600, t.track((_arg: object) => {}, `cb ${i}`), t.track({}, `arg ${i}`));
        t.track(h, `handle ${i}`);
        h.cancel();
      }
    })();
    loop.callSoon(() => {});
    loop.runOnce(); // one iteration lets the native core report the dropped timers
    await collectUntil(() => t.missing().length === 0);
    expect(t.missing()).toEqual([]);
    expect(loop.time()).toBe(0);
  });

  it('finished Tasks are released while the loop stays open', async () => {
    const t = new Tracker();
    const loop = makeLoop(backend, { clock: 'virtual' });
    ((): void => {
      for (let i = 0; i < EACH; i++) {
        const fut = loop.createFuture();
        t.track(loop.createTask(parked(fut, t.track({}, `payload ${i}`))), `task ${i}`);
        loop.callLater(i / 10, () => fut.setResult(i));
      }
    })();
    loop.callLater(10, () => loop.stop());
    loop.runForever();
    await collectUntil(() => t.missing().length === 0);
    expect(t.missing()).toEqual([]);
  });
});

describe('idle loops', () => {
  it('an idle native loop holds no more of the V8 heap than an idle js loop', () => {
    // W13's shape (many loops made and never used), measured on the heap
    // rather than RSS: the native wrapper makes its slot table, local timer
    // heap and ring arrays at first use, so an idle one is smaller than the
    // js core, whose 16-entry ring is made with it.
    const gc = exposeGc();
    const perLoop = (backend: (typeof BACKENDS)[number]): number => {
      const n = 5000;
      gc();
      gc();
      const before = process.memoryUsage().heapUsed;
      const loops: Loop[] = [];
      for (let i = 0; i < n; i++) loops.push(makeLoop(backend));
      gc();
      gc();
      const bytes = (process.memoryUsage().heapUsed - before) / n;
      for (const loop of loops) loop.close();
      return bytes;
    };
    perLoop('native'); // warm both paths up first
    perLoop('js');
    const native = perLoop('native');
    const js = perLoop('js');
    expect(native).toBeGreaterThan(0);
    expect(native).toBeLessThanOrEqual(js);
  });
});
