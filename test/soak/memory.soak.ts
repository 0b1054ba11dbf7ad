/**
 * Memory soak (`npm run test:soak`, not part of the normal run): ten million
 * callSoon / callLater / cancel cycles and a million Tasks created and
 * finished, on each backend, with the heap and RSS measured after full
 * garbage collections at intervals. Memory must stay flat: after a warm-up
 * (JIT, the ready ring and slot tables reaching their working size), no
 * sample may exceed the first by more than the bounds below.
 *
 * Why these bounds: the smallest thing a leak could keep per cycle is one
 * pointer-sized slot (8 bytes); a leaked Handle is ~100 bytes. Over the
 * 9,000,000 cycles after warm-up, an 8-byte-per-cycle leak grows the heap by
 * 72 MB. HEAP_BOUND (2 MiB) is under 0.25 byte per cycle — it rules out
 * leaking anything at all per cycle, or even once per 32 cycles — while
 * leaving room for V8's own bookkeeping (code, feedback vectors, inline
 * caches) that settles after warm-up. RSS is noisier (V8 keeps freed pages
 * for reuse; malloc keeps its arenas), so RSS_BOUND is 32 MiB: still under
 * 4 bytes per cycle, a tenth of the smallest per-cycle leak, and a native
 * leak (the C++ heap or slot index never shrinking past its peak) shows up
 * here and not in the JS heap. For Tasks the same bounds over 900,000 Tasks
 * are under 3 (heap) and 40 (RSS) bytes per Task, against several hundred
 * bytes for a leaked Task with its generator.
 */
import { describe, expect, it } from 'vitest';
import { Loop, sleep, type Coroutine } from '../../lib/index';
import { BACKENDS } from '../helpers';

const CYCLES = 10_000_000;
const TASKS = 1_000_000;
/** Cycles (or Tasks) scheduled before the loop runs them all: a realistic backlog. */
const BATCH = 10_000;
/** A sample every million cycles (every hundred thousand Tasks). */
const CYCLE_SAMPLE = 1_000_000;
const TASK_SAMPLE = 100_000;
const MiB = 1024 * 1024;
const HEAP_BOUND = 2 * MiB;
const RSS_BOUND = 32 * MiB;
const TIMEOUT_MS = 30 * 60_000;

interface Sample {
  done: number;
  heap: number;
  rss: number;
  external: number;
}

function measure(done: number): Sample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the soak needs --expose-gc (run it with npm run test:soak)');
  // Two full collections: the first may only queue finalizers and weak callbacks.
  gc();
  gc();
  const m = process.memoryUsage();
  return { done, heap: m.heapUsed, rss: m.rss, external: m.external };
}

function report(title: string, samples: Sample[]): { heapGrowth: number; rssGrowth: number } {
  const [first, ...rest] = samples;
  const heapGrowth = Math.max(...rest.map((s) => s.heap)) - first.heap;
  const rssGrowth = Math.max(...rest.map((s) => s.rss)) - first.rss;
  const mb = (n: number) => (n / MiB).toFixed(2).padStart(8);
  console.log(
    [
      title,
      '      done   heapUsed MiB   rss MiB   external MiB',
      ...samples.map((s) => `${String(s.done).padStart(10)}   ${mb(s.heap)}     ${mb(s.rss)}   ${mb(s.external)}`),
      `  growth after warm-up: heap ${(heapGrowth / 1024).toFixed(1)} KiB, rss ${(rssGrowth / 1024).toFixed(1)} KiB` +
        ` (bounds ${HEAP_BOUND / MiB} MiB, ${RSS_BOUND / MiB} MiB)`,
    ].join('\n'),
  );
  return { heapGrowth, rssGrowth };
}

function noop(_n: number): void {}

describe.each(BACKENDS)('memory soak (%s)', (backend) => {
  it(`${CYCLES} callSoon/callLater/cancel cycles keep memory flat`, () => {
    const loop = new Loop({ backend, clock: 'virtual' });
    const stop = () => loop.stop();
    const samples: Sample[] = [];
    for (let done = 0; done < CYCLES; ) {
      for (let i = 0; i < BATCH; i++, done++) {
        const h = loop.callSoon(noop, done);
        const t = loop.callLater((done % 100) / 100, noop, done);
        if (done & 1) t.cancel();
        if (done % 3 === 0) h.cancel();
      }
      loop.callLater(1, stop);
      loop.runForever();
      if (done % CYCLE_SAMPLE === 0) samples.push(measure(done));
    }
    loop.close();
    const { heapGrowth, rssGrowth } = report(`${backend}: ${CYCLES} cycles`, samples);
    expect(heapGrowth).toBeLessThan(HEAP_BOUND);
    expect(rssGrowth).toBeLessThan(RSS_BOUND);
  }, TIMEOUT_MS);

  it(`${TASKS} Tasks created and finished keep memory flat`, () => {
    const loop = new Loop({ backend, clock: 'virtual' });
    function* work(i: number): Coroutine<number> {
      yield;
      yield* sleep((i % 10) / 10);
      const fut = loop.createFuture<number>();
      loop.callSoon(() => fut.setResult(i));
      return yield* fut;
    }
    const samples: Sample[] = [];
    let sum = 0;
    const add = (t: { result(): number }) => {
      sum += t.result();
    };
    for (let done = 0; done < TASKS; ) {
      for (let i = 0; i < BATCH; i++, done++) loop.createTask(work(done)).addDoneCallback(add);
      loop.runUntilComplete(sleep(1));
      if (done % TASK_SAMPLE === 0) samples.push(measure(done));
    }
    loop.close();
    expect(sum).toBe((TASKS * (TASKS - 1)) / 2);
    const { heapGrowth, rssGrowth } = report(`${backend}: ${TASKS} tasks`, samples);
    expect(heapGrowth).toBeLessThan(HEAP_BOUND);
    expect(rssGrowth).toBeLessThan(RSS_BOUND);
  }, TIMEOUT_MS);
});
