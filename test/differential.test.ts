/**
 * Differential property tests: random programs (test/programs.ts), run by
 * test/run_program.ts on the native core and on the js core, both on the
 * virtual clock, must produce identical traces — which callback ran, in which
 * iteration, at which loop time, and every exception-handler report.
 *
 * Seeded and reproducible. AIOLOOP_DIFF_SEED picks the seed and
 * AIOLOOP_DIFF_RUNS the number of programs (`npm run test:soak` runs
 * 100,000). On failure fast-check prints the seed, the path and the shrunk
 * program; rerun with that seed to reproduce.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Loop } from '../lib/index';
import type { Handle } from '../lib/events';
import { programs, type Program } from './programs';
import { runProgram, type Coverage } from './run_program';

/** The fixed seed of the normal run (any integer; printed on failure). */
const DEFAULT_SEED = 7_2024;
/** Programs compared in the normal run. */
const DEFAULT_RUNS = 2000;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new TypeError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

const SEED = envInt('AIOLOOP_DIFF_SEED', DEFAULT_SEED);
const RUNS = envInt('AIOLOOP_DIFF_RUNS', DEFAULT_RUNS);
/** Programs compared with timer jitter (and the loop's counters). */
const JITTER_RUNS = Math.max(1, Math.floor(RUNS / 4));
/** Generous per-test bound: the soak's 100,000 programs take a few minutes. */
const TIMEOUT_MS = Math.max(60_000, RUNS * 20);

describe('differential: native vs js on the virtual clock', () => {
  const coverage: Coverage = {};

  it(`gives identical traces for ${RUNS} random programs (seed ${SEED})`, () => {
    if (RUNS !== DEFAULT_RUNS || SEED !== DEFAULT_SEED) console.log(`differential: ${RUNS} programs, seed ${SEED}`);
    fc.assert(
      fc.property(programs, (program) => {
        const native = runProgram(program, 'native', { coverage });
        const js = runProgram(program, 'js');
        expect(native).toEqual(js);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: false },
    );
  }, TIMEOUT_MS);

  it(`gives identical traces and counters with seeded timer jitter for ${JITTER_RUNS} random programs (seed ${SEED})`, () => {
    // One jitter seed per program: the same seed must give the same late
    // deadlines, hence the same schedule, on both cores.
    const jitters = fc.record({
      seed: fc.nat({ max: 0xffff_ffff }),
      max: fc.constantFrom(0, 0.001, 0.1, 0.25, 1, 3),
    });
    fc.assert(
      fc.property(programs, jitters, (program, jitter) => {
        const native = runProgram(program, 'native', { jitter, stats: true });
        const js = runProgram(program, 'js', { jitter, stats: true });
        expect(native).toEqual(js);
      }),
      { seed: SEED, numRuns: JITTER_RUNS, endOnFailure: false },
    );
  }, TIMEOUT_MS);

  it('exercised every kind of action and outcome in those programs', () => {
    // Guards against a generator or interpreter that silently stops doing
    // something: each kind must have happened many times over the run.
    const kinds = [
      'soon', 'later', 'at', 'cancel', 'throw', 'stop', 'close', 'reenter',
      'future', 'resolve', 'reject', 'cancelFuture', 'onDone', 'task', 'cancelTask', 'burst',
      'callback', 'done callback', 'handler', 'misuse error', 'phase error',
      'task done', 'task cancelled', 'task caught cancel', 'iteration over 1024',
    ];
    const minimum = Math.floor(RUNS / 100);
    const rare = kinds.filter((k) => (coverage[k] ?? 0) < minimum);
    expect(rare).toEqual([]);
    // Rare by design (each costs 70,000 callbacks), but present.
    expect(coverage['burst past 65,536 slots'] ?? 0).toBeGreaterThan(0);
  });

  it('records a hand-written program exactly', () => {
    // The interpreter itself: a timer tie, a throwing callback, a task that
    // awaits a Future resolved by a timer, and a cancelled handle.
    const program: Program = {
      init: [
        { op: 'future' },
        { op: 'later', delay: 1, body: [{ op: 'resolve', future: 0 }] },
        { op: 'at', when: 1, body: [{ op: 'throw' }] },
        { op: 'soon', body: [{ op: 'cancel', handle: 3 }] },
        { op: 'later', delay: 5, body: [] },
        { op: 'task', catches: 'none', steps: [{ op: 'await', future: 0 }] },
      ],
      phases: [],
    };
    const expected = [
      '1 0 run c3',
      '1 0 c3 cancels c4',
      '1 0 t0 starts',
      '1 0 iteration took 2',
      '2 1 run c1',
      '2 1 run c2',
      "2 1 handler: Exception in callback callback | Error: boom in c2 | c2",
      '2 1 iteration took 2',
      '3 1 t0 got f0-value',
      '3 1 iteration took 1',
      '4 1 t0 done: result(t0-result)',
      '4 1 iteration took 1',
      '5 1 iteration took 0',
      '5 1 drain ended: EventLoopError: Event loop would wait forever: nothing is ready and no timer is pending.\nNo task is parked.',
      '5 1 live tasks: 0',
      '5 1 f0: result(f0-value)',
      '5 1 t0: result(t0-result)',
    ];
    const native = runProgram(program, 'native');
    expect(native).toEqual(expected);
    expect(runProgram(program, 'js')).toEqual(native);
  });

  // The property has teeth: a js core with a deliberate bug must be told
  // apart from the native one within a few hundred programs.
  const BROKEN_CORES: Array<[string, (loop: Loop) => void]> = [
    [
      'keeps cancelled timers in its heap (time still jumps to them)',
      (loop) => {
        loop._core.cancel = () => {};
      },
    ],
    [
      'runs each iteration\'s batch in reverse order',
      (loop) => {
        // The js core's ring of Handle objects, reversed in place after collect.
        const core = loop._core as unknown as {
          collect(maxWait: number): number;
          _ring: (Handle | undefined)[];
          _head: number;
          _mask: number;
        };
        const collect = core.collect.bind(core);
        core.collect = (maxWait: number) => {
          const n = collect(maxWait);
          const batch: (Handle | undefined)[] = [];
          for (let i = 0; i < n; i++) batch.push(core._ring[(core._head + i) & core._mask]);
          batch.reverse();
          for (let i = 0; i < n; i++) core._ring[(core._head + i) & core._mask] = batch[i];
          return n;
        };
      },
    ],
  ];

  it.each(BROKEN_CORES)('tells apart a core that %s', (_what, tamper) => {
    const details = fc.check(
      fc.property(programs, (program) => {
        expect(runProgram(program, 'native')).toEqual(runProgram(program, 'js', { tamper }));
      }),
      { seed: SEED, numRuns: 500, endOnFailure: true },
    );
    expect(details.failed).toBe(true);
  });
});
