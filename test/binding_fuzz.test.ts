/**
 * Fuzzing the raw native binding (what lib/backend/loader.ts loads): random
 * argument lists, wrong receivers, garbage in the shared buffers, detached
 * and resized buffers. Every call must either succeed or throw a JS
 * TypeError/RangeError — never crash, never abort. `npm run test:asan` runs
 * this file against an AddressSanitizer + UndefinedBehaviorSanitizer build,
 * where any out-of-bounds access or undefined behaviour ends the run.
 *
 * This suite is about the binding, not the loop, so it runs on the native
 * backend only; the loop-level suites run on both.
 */
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative, nativeLoadError } from '../lib/backend/loader';
import type { NativeBinding, RawCore } from '../lib/backend/binding';
import {
  CTL_COUNT,
  CTL_HEAD,
  CTL_MAX_WAIT,
  CTL_OPS,
  CTL_SIZE,
  CTL_TIMERS,
  CTL_VIRTUAL,
  OPS_CAPACITY,
} from '../lib/backend/layout';
import { exposeGc } from './gc';

const SEED = 7_7007;
/**
 * About how many random binding calls each property makes: AIOLOOP_FUZZ_CALLS,
 * default 3000 (under a second); scripts/asan.sh runs ten times as many under
 * the sanitizers. Sequences average 6 (first property) and 10 (second) calls.
 */
const CALLS = fuzzCalls();

function fuzzCalls(): number {
  const raw = process.env.AIOLOOP_FUZZ_CALLS;
  if (raw === undefined || raw === '') return 3000;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 10) throw new RangeError(`AIOLOOP_FUZZ_CALLS must be an integer >= 10, got ${raw}`);
  return n;
}

const METHODS = ['attach', 'setReady', 'flush', 'collect', 'step', 'clear', 'close', 'isClosed'] as const;
type Method = (typeof METHODS)[number];

function requireBinding(): NativeBinding {
  const binding = loadNative();
  if (binding === null) throw new Error(`the native addon did not load: ${nativeLoadError()?.message}`);
  return binding;
}

function detached(bytes: number): ArrayBuffer {
  const buf = new ArrayBuffer(bytes);
  structuredClone(buf, { transfer: [buf] });
  return buf;
}

/** Doubles that sit on the edges of every check the core makes. */
const NASTY_DOUBLE = fc.oneof(
  fc.constantFrom(
    0, -0, 1, -1, 0.5, -0.5, NaN, Infinity, -Infinity,
    2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 31 - 2, -(2 ** 31) + 1,
    2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, 1023, 1024, 1025, 4095, 4096, 4097, 65536, 65537,
  ),
  fc.integer({ min: -5000, max: 70000 }),
  fc.double(),
);

/** Buffers of every kind the binding might be handed. */
const BUFFER = fc.oneof(
  fc.constantFrom(0, 1, 4, 7, 8, 16, 63, 64, 4096, 8192, 65536, 65535, 65544).map((n) => new ArrayBuffer(n)),
  fc.constantFrom(0, 8, 64, 4096, 65536).map((n) => detached(n)),
  fc.constantFrom(8, 64, 65536).map((n) => new SharedArrayBuffer(n)),
  fc.constantFrom(2, 8, 1024).map((n) => new Int32Array(n)),
  fc.constantFrom(8, 8192).map((n) => new Float64Array(n)),
  fc.constant(new DataView(new ArrayBuffer(64))),
);

/** Anything at all, weighted towards values that look almost right. */
const ARG = fc.oneof(
  { weight: 3, arbitrary: BUFFER },
  { weight: 3, arbitrary: NASTY_DOUBLE },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, '', '1', Symbol('s'), 10n, () => 1, [], [1, 2]) },
  {
    weight: 1,
    arbitrary: fc.constant(
      new Proxy(
        {},
        {
          get() {
            throw new Error('proxy trap');
          },
        },
      ),
    ),
  },
  { weight: 1, arbitrary: fc.constant({ valueOf: () => { throw new Error('valueOf'); } }) },
  { weight: 1, arbitrary: fc.anything() },
);

const CALL = fc.record({
  method: fc.constantFrom(...METHODS),
  args: fc.array(ARG, { maxLength: 4 }),
  receiver: fc.constantFrom('core', 'other core', 'plain object', 'undefined', 'number'),
});

/** Calls `fn`; a throw must be a TypeError or RangeError. Returns what it threw, or null. */
function callSafely(fn: () => unknown): Error | null {
  try {
    fn();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect(['TypeError', 'RangeError']).toContain((err as Error).name);
    return err as Error;
  }
}

/** collect() with a positive wait on the monotonic clock really sleeps: keep fuzzing instant. */
function noSleep(method: Method, args: unknown[]): unknown[] {
  if (method === 'collect' && args[2] !== true && typeof args[1] === 'number' && args[1] > 0) {
    return [args[0], 0, ...args.slice(2)];
  }
  return args;
}

/** Valid buffers for attach(): ctl, ready ring, ops. */
function validBuffers(readySlots = 1024) {
  const ctl = new Float64Array(CTL_SIZE);
  const ready = new Int32Array(readySlots);
  const ops = new Float64Array(2 * OPS_CAPACITY);
  return { ctl, ready, ops };
}

describe('raw native binding under random input', () => {
  const binding = requireBinding();

  it('answers random argument lists on any receiver with a TypeError/RangeError or a result', () => {
    fc.assert(
      fc.property(fc.array(CALL, { minLength: 1, maxLength: 12 }), (calls) => {
        const core = new binding.testing.Core();
        const other = new binding.testing.Core();
        const { ctl, ready, ops } = validBuffers();
        // Half the time the core starts attached, so calls reach past the first checks.
        if (calls.length % 2 === 0) core.attach(ctl.buffer, ready.buffer, ops.buffer);
        const receivers: Record<string, unknown> = {
          core,
          'other core': other,
          'plain object': {},
          undefined: undefined,
          number: 42,
        };
        for (const { method, args, receiver } of calls) {
          const fn = (core as unknown as Record<Method, (...a: unknown[]) => unknown>)[method];
          callSafely(() => fn.apply(receivers[receiver], noSleep(method, args)));
        }
        core.close();
        other.close();
      }),
      { seed: SEED, numRuns: Math.ceil(CALLS / 6) },
    );
  });

  it('rejects constructor arguments and calls without new', () => {
    expect(callSafely(() => new (binding.Core as unknown as new (...a: unknown[]) => RawCore)(1, 2))).toBeInstanceOf(TypeError);
    expect(callSafely(() => (binding.Core as unknown as () => unknown)())).toBeInstanceOf(TypeError);
    expect(callSafely(() => (binding.testing.monotonic as (...a: unknown[]) => unknown)(1, 'x'))).toBeNull();
  });

  it('survives garbage written into attached buffers between calls', () => {
    const step = fc.record({
      ctl: fc.array(fc.tuple(fc.nat({ max: CTL_SIZE - 1 }), NASTY_DOUBLE), { maxLength: 4 }),
      ops: fc.array(fc.tuple(fc.nat({ max: 2 * OPS_CAPACITY - 1 }), NASTY_DOUBLE), { maxLength: 8 }),
      ready: fc.array(fc.tuple(fc.nat({ max: 1023 }), fc.integer()), { maxLength: 4 }),
      call: fc.constantFrom('flush', 'collect', 'collect', 'step', 'step', 'clear', 'setReady'),
      now: NASTY_DOUBLE,
      maxWait: fc.constantFrom(0, 0, 1, Infinity, NaN, -1),
      virtualClock: fc.boolean(),
      newRing: fc.constantFrom(2, 4, 1024, 2048, 3, 0),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 20 }), (steps) => {
        const core = new binding.testing.Core();
        let { ctl, ready, ops } = validBuffers();
        core.attach(ctl.buffer, ready.buffer, ops.buffer);
        for (const s of steps) {
          for (const [i, v] of s.ctl) ctl[i] = v;
          for (const [i, v] of s.ops) ops[i] = v;
          for (const [i, v] of s.ready) if (i < ready.length) ready[i] = v;
          const err = callSafely(() => {
            if (s.call === 'flush') core.flush();
            else if (s.call === 'clear') core.clear();
            else if (s.call === 'setReady') {
              const ring = new Int32Array(s.newRing);
              core.setReady(ring.buffer);
              ready = ring;
            } else if (s.call === 'step') {
              // step() reads its inputs from the (garbage-filled) ctl; only a
              // real wait is kept out, as for collect below.
              if (ctl[CTL_VIRTUAL] !== 1) ctl[CTL_MAX_WAIT] = 0;
              core.step();
            } else {
              core.collect(s.now, s.virtualClock ? s.maxWait : 0, s.virtualClock);
            }
          });
          if (err === null && s.call !== 'clear' && s.call !== 'setReady') {
            // What the core wrote back must respect the layout.
            const timers = ctl[CTL_TIMERS];
            expect(Number.isInteger(timers) && timers >= 0).toBe(true);
            const released = ctl[CTL_OPS];
            expect(Number.isInteger(released) && released >= 0 && released <= OPS_CAPACITY).toBe(true);
            if (s.call === 'collect' || s.call === 'step') {
              expect(ctl[CTL_COUNT]).toBeGreaterThanOrEqual(0);
              expect(ctl[CTL_COUNT]).toBeLessThanOrEqual(ready.length);
              expect(Number.isInteger(ctl[CTL_HEAD])).toBe(true);
            }
          }
        }
        core.close();
        expect(core.isClosed()).toBe(true);
      }),
      { seed: SEED + 1, numRuns: Math.ceil(CALLS / 10) },
    );
  });

  it('throws instead of touching a buffer detached after attach', () => {
    const core = new binding.testing.Core();
    const { ctl, ready, ops } = validBuffers();
    core.attach(ctl.buffer, ready.buffer, ops.buffer);
    for (const buf of [ready.buffer, ops.buffer, ctl.buffer]) {
      structuredClone(buf, { transfer: [buf] });
      expect(callSafely(() => core.collect(0, 0, true))).toBeInstanceOf(RangeError);
      expect(callSafely(() => core.flush())).toBeInstanceOf(RangeError);
    }
    core.close();
  });

  it('throws on every call after close, and close is idempotent', () => {
    const core = new binding.testing.Core();
    const { ctl, ready, ops } = validBuffers();
    core.attach(ctl.buffer, ready.buffer, ops.buffer);
    core.close();
    core.close();
    for (const call of [
      () => core.attach(ctl.buffer, ready.buffer, ops.buffer),
      () => core.setReady(ready.buffer),
      () => core.flush(),
      () => core.collect(0, 0, true),
      () => core.clear(),
    ]) {
      expect(callSafely(call)).toBeInstanceOf(RangeError);
    }
  });

  it('frees cores that are dropped without close, with timers pending', async () => {
    // Their finalizers run on garbage collection; under the sanitizers any
    // use-after-free or double free there ends the run.
    const gc = exposeGc();
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) {
        const core = new binding.Core();
        const { ctl, ready, ops } = validBuffers(2);
        core.attach(ctl.buffer, ready.buffer, ops.buffer);
        for (let t = 0; t < 100; t++) {
          ops[2 * t] = t % 7;
          ops[2 * t + 1] = t;
        }
        ctl[CTL_OPS] = 100;
        core.flush();
        expect(ctl[CTL_TIMERS]).toBe(100);
      }
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  });

  it('runs in several worker threads at once and unloads when they are terminated', async () => {
    // Each worker loads the addon in its own environment and is terminated
    // while it schedules and collects timers in a tight loop.
    const root = path.join(__dirname, '..');
    const source = `
      const { parentPort } = require('node:worker_threads');
      const binding = require(${JSON.stringify(require.resolve('node-gyp-build'))})(${JSON.stringify(root)});
      const core = new binding.testing.Core();
      const ctl = new Float64Array(${CTL_SIZE}), ready = new Int32Array(1024), ops = new Float64Array(2 * 4096);
      core.attach(ctl.buffer, ready.buffer, ops.buffer);
      parentPort.postMessage('ready');
      for (let i = 0; ; i++) {
        const n = i % 4096;
        for (let t = 0; t < n; t++) { ops[2 * t] = t % 13; ops[2 * t + 1] = t; }
        ctl[2] = n; ctl[0] = 0; ctl[1] = 0;
        core.collect(100, 0, true);
        core.clear();
      }
    `;
    const workers = [0, 1, 2].map(() => new Worker(source, { eval: true }));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
          }),
      ),
    );
    const codes = await Promise.all(workers.map((w) => w.terminate()));
    expect(codes).toEqual([1, 1, 1]);
  });
});
