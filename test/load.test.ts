/**
 * Load: a million pending timers with half of them cancelled at random, and a
 * great many live Tasks, on the virtual clock so that no test waits for real
 * time. Nothing may be lost or reordered. Both backends.
 *
 * Sizes: LOAD_TIMERS timers in every run; LOAD_TASKS live Tasks in the
 * normal run (1,000,000 in `npm run test:soak`, which sets AIOLOOP_LOAD_TASKS).
 */
import { describe, expect, it } from 'vitest';
import { type Coroutine, type Future, type Loop } from '../lib/index';
import { BACKENDS, captureErrors, makeLoop } from './helpers';

function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got ${raw}`);
  return n;
}

/** Pending timers in the timer test (the figure). */
const LOAD_TIMERS = envCount('AIOLOOP_LOAD_TIMERS', 1_000_000);
/**
 * Live Tasks in the task test. A Task with its generator and closures is a
 * few hundred bytes, so a million of them is a few hundred MB per backend:
 * the normal run uses 200,000 to stay light on shared CI machines.
 */
const LOAD_TASKS = envCount('AIOLOOP_LOAD_TASKS', 200_000);
/** Generous: a million timers take a few seconds; the soak's million tasks longer. */
const TIMEOUT_MS = 120_000;

/** A small seeded PRNG (mulberry32): the same "random" every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(BACKENDS)('load (%s)', (backend) => {
  it(`${LOAD_TIMERS} pending timers, half cancelled at random, fire the rest in (when, order) order`, () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const random = prng(0x5eed);
    const n = LOAD_TIMERS;
    // Deadlines on a coarse grid, so most timers tie with thousands of others.
    const when = new Float64Array(n);
    for (let i = 0; i < n; i++) when[i] = Math.floor(random() * 1000) / 10;
    const fired = new Int32Array(n);
    let count = 0;
    const fire = (i: number) => {
      fired[count++] = i;
    };
    const handles = new Array(n);
    for (let i = 0; i < n; i++) handles[i] = loop.callAt(when[i], fire, i);

    // Exactly half, chosen by a partial Fisher-Yates shuffle.
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const cancelled = new Uint8Array(n);
    for (let i = 0; i < n / 2; i++) {
      const j = i + Math.floor(random() * (n - i));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
      handles[order[i]].cancel();
      cancelled[order[i]] = 1;
    }
    handles.length = 0;

    loop.callAt(100, () => loop.stop());
    loop.runForever();

    expect(count).toBe(n - n / 2);
    const ranTwice: number[] = [];
    const seen = new Uint8Array(n);
    let outOfOrder = -1;
    for (let k = 0; k < count; k++) {
      const i = fired[k];
      if (seen[i] === 1) ranTwice.push(i);
      seen[i] = 1;
      if (k > 0 && outOfOrder < 0) {
        const p = fired[k - 1];
        if (!(when[p] < when[i] || (when[p] === when[i] && p < i))) outOfOrder = k;
      }
    }
    expect(ranTwice).toEqual([]);
    expect(outOfOrder).toBe(-1);
    let cancelledRan = 0;
    for (let i = 0; i < n; i++) if (seen[i] === 1 && cancelled[i] === 1) cancelledRan++;
    expect(cancelledRan).toBe(0);
  }, TIMEOUT_MS);

  it(`${LOAD_TASKS} live Tasks all park, wake and finish`, () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const errors = captureErrors(loop);
    const gate = loop.createFuture<number>();
    let finished = 0;
    function* worker(i: number): Coroutine<number> {
      const v = yield* gate; // all park on one Future
      yield; // one more turn each
      yield* sleepUntil(loop, 1 + (i % 10)); // then timers, ten deadlines
      finished++;
      return v + i;
    }
    const tasks = new Array(LOAD_TASKS);
    for (let i = 0; i < LOAD_TASKS; i++) tasks[i] = loop.createTask(worker(i));
    loop.runOnce(); // every task steps once and parks on `gate`
    expect(tasks.every((t) => !t.done())).toBe(true);
    loop.callSoon(() => gate.setResult(7));
    const all = loop.createFuture<void>();
    let remaining = LOAD_TASKS;
    const onDone = () => {
      if (--remaining === 0) all.setResult(undefined);
    };
    for (const t of tasks) t.addDoneCallback(onDone);
    loop.runUntilComplete(all);
    expect(finished).toBe(LOAD_TASKS);
    expect(errors).toEqual([]);
    let wrong = 0;
    for (let i = 0; i < LOAD_TASKS; i++) if (tasks[i].result() !== 7 + i) wrong++;
    expect(wrong).toBe(0);
    expect(loop.time()).toBe(10);
  }, TIMEOUT_MS);

  it('timers scheduled behind 100,000 ready callbacks all fire, in order', () => {
    // Regression: the native core shares slot numbers between ready handles
    // and timers, and its timer index refused slots past 65,536, so these
    // timers were lost (RangeError "timer slot is already scheduled or out of
    // range"). 5,000 timers also overflow one command buffer (4,096).
    const loop = makeLoop(backend, { clock: 'virtual' });
    let ran = 0;
    for (let i = 0; i < 100_000; i++) loop.callSoon(() => ran++);
    const fired: number[] = [];
    for (let i = 0; i < 5000; i++) loop.callLater(1 + (i % 3), () => fired.push(i));
    loop.callAt(10, () => loop.stop());
    loop.runForever();
    expect(ran).toBe(100_000);
    const expected = [0, 1, 2].flatMap((r) => Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 3 === r));
    expect(fired).toEqual(expected);
  });

  it('100,000 callbacks where every seventh throws: every one runs, every error is reported once', () => {
    const loop = makeLoop(backend);
    const errors = captureErrors(loop);
    const n = 100_000;
    let ran = 0;
    const cb = (i: number) => {
      ran++;
      if (i % 7 === 0) throw new Error(String(i));
    };
    for (let i = 0; i < n; i++) loop.callSoon(cb, i);
    loop.runOnce();
    expect(ran).toBe(n);
    expect(errors).toHaveLength(Math.ceil(n / 7));
    expect(errors.every((e, k) => (e.exception as Error).message === String(7 * k))).toBe(true);
  });
});

/** Sleeps until loop time `when` (a Future resolved by callAt). */
function* sleepUntil(loop: Loop, when: number): Coroutine<void> {
  const fut: Future<void> = loop.createFuture<void>();
  loop.callAt(when, () => fut.setResult(undefined));
  yield* fut;
}
