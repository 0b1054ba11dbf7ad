/**
 * Deterministic simulation and testing (issue 14): driving the virtual clock
 * from a test (`advance`, `advanceTo`), seeded timer jitter, `explore` and
 * its AIOLOOP_SEED replay, and `loop.stats()`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventLoopError,
  ExploreError,
  Lock,
  Loop,
  explore,
  getRunningLoop,
  run,
  sleep,
  type Coroutine,
  type ExploreRun,
} from '../lib/index';
import { BACKENDS, captureErrors, makeLoop, type Backend } from './helpers';

afterEach(() => {
  delete process.env.AIOLOOP_SEED;
});

/** Busy-waits `ms` milliseconds of real time (a slow callback). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

// The race of examples/06_race_explore.js: check the balance, sleep, debit.
const LEDGER = 0.01;
const SECOND_AFTER = 0.019;
const JITTER = 0.01;

function* withdraw(account: { balance: number }, machine: string, log: (m: string) => void): Coroutine<void> {
  if (account.balance < 60) {
    log(`${machine}: declined at ${account.balance}`);
    return;
  }
  log(`${machine}: ${account.balance} covers 60`);
  yield* sleep(LEDGER);
  account.balance -= 60;
  log(`${machine}: paid, balance ${account.balance}`);
  if (account.balance < 0) throw new Error(`overdrawn: ${account.balance}`);
}

function twoMachines(withLock: boolean) {
  return function* ({ log }: ExploreRun): Coroutine<number> {
    const loop = getRunningLoop();
    const account = { balance: 100 };
    const lock = new Lock();
    const attempt = (m: string) => (withLock ? lock.hold(() => withdraw(account, m, log)) : withdraw(account, m, log));
    const first = loop.createTask(attempt('m1'));
    yield* sleep(SECOND_AFTER);
    const second = loop.createTask(attempt('m2'));
    yield* first;
    yield* second;
    return account.balance;
  };
}

describe.each(BACKENDS)('advance and advanceTo (%s)', (backend: Backend) => {
  it('runs the timers due in the window, with what they schedule there, and stops the clock at the end', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const log: string[] = [];
    loop.callLater(1, () => log.push(`a@${loop.time()}`));
    loop.callLater(2.5, () => {
      log.push(`b@${loop.time()}`);
      loop.callLater(0.5, () => log.push(`c@${loop.time()}`)); // due at 3: inside the window
      loop.callLater(0.75, () => log.push(`e@${loop.time()}`)); // due at 3.25: outside
    });
    loop.callLater(10, () => log.push(`d@${loop.time()}`));
    loop.advance(3);
    expect(log).toEqual(['a@1', 'b@2.5', 'c@3']);
    expect(loop.time()).toBe(3);
    loop.advanceTo(9.5);
    expect(log).toEqual(['a@1', 'b@2.5', 'c@3', 'e@3.25']);
    expect(loop.time()).toBe(9.5);
    loop.advance(0.5);
    expect(log).toEqual(['a@1', 'b@2.5', 'c@3', 'e@3.25', 'd@10']);
    expect(loop.time()).toBe(10);
  });

  it('moves time with nothing scheduled, and runs ready callbacks (and their callSoon chains) first', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    loop.advance(5);
    expect(loop.time()).toBe(5);
    const log: string[] = [];
    loop.callSoon(() => {
      log.push(`soon@${loop.time()}`);
      loop.callSoon(() => log.push(`chained@${loop.time()}`));
    });
    loop.advance(0);
    expect(log).toEqual(['soon@5', 'chained@5']);
    expect(loop.time()).toBe(5);
  });

  it('runs tasks: sleeps wake at their deadlines, and a task is left parked past the window', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const log: string[] = [];
    function* ticker(): Coroutine<void> {
      for (let i = 0; i < 5; i++) {
        yield* sleep(1.5);
        log.push(`tick ${i} @${getRunningLoop().time()}`);
      }
    }
    const task = loop.createTask(ticker());
    loop.advance(4);
    expect(log).toEqual(['tick 0 @1.5', 'tick 1 @3']);
    expect(task.done()).toBe(false);
    loop.advance(3.5);
    expect(log).toEqual(['tick 0 @1.5', 'tick 1 @3', 'tick 2 @4.5', 'tick 3 @6', 'tick 4 @7.5']);
    expect(task.done()).toBe(true);
  });

  it('runs timers due exactly at the target, also ones scheduled there during the window', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const log: string[] = [];
    loop.callAt(2, () => {
      log.push('at 2');
      loop.callAt(2, () => log.push('at 2 again'));
      loop.callSoon(() => log.push('soon at 2'));
    });
    loop.advanceTo(2);
    // Due timers join the ready queue behind what is already there.
    expect(log).toEqual(['at 2', 'soon at 2', 'at 2 again']);
    expect(loop.time()).toBe(2);
  });

  it('keeps going after a callback throws (the handler gets it)', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const errors = captureErrors(loop);
    const log: string[] = [];
    loop.callLater(1, () => {
      throw new Error('boom');
    });
    loop.callLater(2, () => log.push('after'));
    loop.advance(2);
    expect(errors.map((e) => (e.exception as Error).message)).toEqual(['boom']);
    expect(log).toEqual(['after']);
  });

  it('leaves a stop() made inside for the next run, as runOnce does', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const log: string[] = [];
    loop.callLater(1, () => loop.stop());
    loop.callLater(2, () => log.push('2'));
    loop.advance(3);
    expect(log).toEqual(['2']);
    loop.callLater(1, () => log.push('4'));
    loop.runForever(); // stopped before it started: one iteration, no jump
    expect(log).toEqual(['2']);
    expect(loop.time()).toBe(3);
  });

  it('is the running loop while it runs', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    let seen: Loop | null = null;
    loop.callLater(1, () => {
      seen = getRunningLoop();
    });
    loop.advance(1);
    expect(seen).toBe(loop);
    expect(loop.isRunning()).toBe(false);
  });

  it('refuses bad numbers, going backwards, a monotonic clock, a running or closed loop', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    expect(() => loop.advance(NaN)).toThrow(RangeError);
    expect(() => loop.advance(NaN)).toThrow(/advance: seconds must not be NaN/);
    expect(() => loop.advance('1' as unknown as number)).toThrow(TypeError);
    expect(() => loop.advance(-1)).toThrow(/advance: seconds must be >= 0/);
    expect(() => loop.advance(Infinity)).toThrow(RangeError);
    loop.advance(2);
    expect(() => loop.advanceTo(1)).toThrow(/advanceTo: when must be >= time\(\) \(2\)/);
    expect(() => loop.advanceTo(NaN)).toThrow(/advanceTo: when must not be NaN/);
    expect(() => loop.advanceTo(null as unknown as number)).toThrow(TypeError);
    let inside: unknown = null;
    loop.callSoon(() => {
      try {
        loop.advance(1);
      } catch (err) {
        inside = err;
      }
    });
    loop.advance(0);
    expect(inside).toBeInstanceOf(EventLoopError);
    expect(String(inside)).toMatch(/already running/);
    const mono = makeLoop(backend);
    expect(() => mono.advance(1)).toThrow(EventLoopError);
    expect(() => mono.advance(1)).toThrow(/only a virtual clock can be advanced/);
    loop.close();
    expect(() => loop.advance(1)).toThrow(/Event loop is closed/);
  });
});

describe.each(BACKENDS)('timer jitter (%s)', (backend: Backend) => {
  it('fires every timer late by an amount in [0, max), never early; when() is the late deadline', () => {
    const loop = makeLoop(backend, { clock: 'virtual', jitter: { seed: 7, max: 0.25 } });
    const lateness: number[] = [];
    for (let i = 0; i < 200; i++) {
      const d = (i % 10) / 2;
      const h = loop.callLater(d, () => {
        expect(loop.time()).toBe(h.when());
        lateness.push(loop.time() - d);
      });
    }
    loop.advance(10);
    expect(lateness.length).toBe(200);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lateness)).toBeLessThan(0.25);
    expect(new Set(lateness).size).toBeGreaterThan(150);
  });

  it('jitters sleeps too, and keeps callSoon FIFO and ahead of due timers', () => {
    const loop = makeLoop(backend, { clock: 'virtual', jitter: { seed: 3, max: 0.5 } });
    const log: string[] = [];
    loop.callSoon(() => log.push('a'));
    loop.callLater(0, () => log.push('b'));
    loop.callSoon(() => log.push('c'));
    loop.advance(1);
    expect(log).toEqual(['a', 'c', 'b']);
    let woke = -1;
    loop.createTask(
      (function* () {
        yield* sleep(1);
        woke = getRunningLoop().time();
      })(),
    );
    loop.advance(2);
    expect(woke).toBeGreaterThanOrEqual(2);
    expect(woke).toBeLessThan(2.5);
  });

  it('gives the same schedule for the same seed and another one for another seed', () => {
    const trace = (seed: number) => {
      const loop = makeLoop(backend, { clock: 'virtual', jitter: { seed, max: 1 } });
      const out: string[] = [];
      for (let i = 0; i < 20; i++) loop.callLater(1, () => out.push(`${i}@${loop.time()}`));
      loop.advance(3);
      return out;
    };
    expect(trace(11)).toEqual(trace(11));
    expect(trace(11)).not.toEqual(trace(12));
  });

  it('max 0 is the plain virtual clock', () => {
    const loop = makeLoop(backend, { clock: 'virtual', jitter: { seed: 1, max: 0 } });
    const log: string[] = [];
    for (let i = 0; i < 5; i++) loop.callLater(1, () => log.push(`${i}@${loop.time()}`));
    loop.advance(1);
    expect(log).toEqual(['0@1', '1@1', '2@1', '3@1', '4@1']);
  });

  it('checks its options and refuses a monotonic clock', () => {
    expect(() => new Loop({ backend, jitter: { seed: 1, max: 0.1 } })).toThrow(/jitter needs clock: 'virtual'/);
    expect(() => new Loop({ backend, clock: 'virtual', jitter: 5 as never })).toThrow(TypeError);
    expect(() => new Loop({ backend, clock: 'virtual', jitter: { seed: 1.5, max: 1 } })).toThrow(
      /jitter\.seed must be an integer/,
    );
    expect(() => new Loop({ backend, clock: 'virtual', jitter: { seed: -1, max: 1 } })).toThrow(RangeError);
    expect(() => new Loop({ backend, clock: 'virtual', jitter: { seed: 1, max: -1 } })).toThrow(/jitter\.max must be a finite number >= 0/);
    expect(() => new Loop({ backend, clock: 'virtual', jitter: { seed: 1, max: NaN } })).toThrow(RangeError);
    expect(() => new Loop({ backend, clock: 'virtual', jitter: { seed: 1 } as never })).toThrow(TypeError);
  });
});

describe('timer jitter: native and js give the identical schedule', () => {
  it('for tasks, timers, ties and cancellations', () => {
    const trace = (backend: Backend, seed: number) => {
      const loop = new Loop({ backend, clock: 'virtual', jitter: { seed, max: 0.3 } });
      const out: string[] = [];
      function* worker(id: number): Coroutine<void> {
        for (let i = 0; i < 10; i++) {
          yield* sleep(0.25 * ((id + i) % 4) + 0.25);
          out.push(`w${id}.${i}@${loop.time()}`);
          if (i % 3 === 0) {
            const h = loop.callLater(0.1, () => out.push(`t${id}.${i}@${loop.time()}`));
            if (id % 2 === 0) h.cancel();
          }
        }
      }
      for (let id = 0; id < 8; id++) loop.createTask(worker(id));
      loop.advance(100);
      loop.close();
      return out;
    };
    for (const seed of [0, 1, 2, 99, 4294967295]) {
      const native = trace('native', seed);
      expect(native.length).toBe(80 + 4 * 4 * 0 + 16);
      expect(trace('js', seed)).toEqual(native);
    }
  });
});

describe.each(BACKENDS)('explore (%s)', (backend: Backend) => {
  it("finds the example's check-then-act race within a few hundred seeds, with the seed and the trace", () => {
    // With no jitter it passes.
    const quiet: string[] = [];
    expect(run(() => twoMachines(false)({ seed: 0, loop: null as never, log: (m) => quiet.push(m) }), { clock: 'virtual', backend })).toBe(40);
    let caught: unknown = null;
    try {
      explore(twoMachines(false), { runs: 500, jitter: JITTER, backend });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ExploreError);
    const err = caught as ExploreError;
    expect(err.seed).toBeLessThan(500);
    expect(err.passed).toBe(err.seed);
    expect((err.cause as Error).message).toMatch(/^overdrawn: -20$/);
    expect(err.message).toContain(`explore: seed ${err.seed} failed`);
    expect(err.message).toContain(`AIOLOOP_SEED=${err.seed}`);
    expect(err.trace.at(-1)).toMatch(/main failed: Error: overdrawn: -20$/);
    expect(err.trace.filter((l) => l.includes('covers 60')).length).toBe(2);
    for (const line of err.trace) expect(err.message).toContain(line);
  });

  it('AIOLOOP_SEED replays exactly that schedule (the identical trace), and only that one', () => {
    let first: ExploreError | null = null;
    try {
      explore(twoMachines(false), { runs: 500, jitter: JITTER, backend });
    } catch (err) {
      first = err as ExploreError;
    }
    expect(first).not.toBeNull();
    process.env.AIOLOOP_SEED = String(first!.seed);
    let replay: ExploreError | null = null;
    try {
      explore(twoMachines(false), { runs: 500, jitter: JITTER, backend });
    } catch (err) {
      replay = err as ExploreError;
    }
    expect(replay!.seed).toBe(first!.seed);
    expect(replay!.passed).toBe(0);
    expect(replay!.trace).toEqual(first!.trace);
    // A passing seed replayed: one run.
    process.env.AIOLOOP_SEED = '0';
    const r = explore(twoMachines(false), { runs: 500, jitter: JITTER, backend });
    expect(r).toEqual({ runs: 1, firstSeed: 0, lastSeed: 0, max: JITTER, replay: true });
  });

  it('passes every seed once a Lock makes check-and-debit one step', () => {
    const r = explore(twoMachines(true), { runs: 500, jitter: JITTER, backend });
    expect(r).toEqual({ runs: 500, firstSeed: 0, lastSeed: 499, max: JITTER, replay: false });
  });

  it('fails a run whose exception handler got an exception, and starts at the given seed', () => {
    let caught: ExploreError | null = null;
    try {
      explore(
        function* ({ log, seed }: ExploreRun): Coroutine<void> {
          const loop = getRunningLoop();
          log(`seed ${seed}`);
          if (seed === 12) {
            loop.callLater(1, () => {
              throw new Error('lost callback');
            });
          }
          yield* sleep(2);
        },
        { runs: 10, seed: 5, jitter: { max: 0.1 }, backend },
      );
    } catch (err) {
      caught = err as ExploreError;
    }
    expect(caught!.seed).toBe(12);
    expect(caught!.passed).toBe(7);
    expect((caught!.cause as Error).message).toBe('lost callback');
    expect(caught!.trace[0]).toBe('0 seed 12');
    expect(caught!.trace[1]).toMatch(/^1\.\d+ exception handler: Exception in callback \(anonymous\): Error: lost callback$/);
  });

  it('checks its arguments and AIOLOOP_SEED', () => {
    const main = function* (): Coroutine<void> {};
    expect(() => explore('x' as never, { runs: 1, jitter: 0.1 })).toThrow(/explore: main must be a function/);
    expect(() => explore(main, undefined as never)).toThrow(TypeError);
    expect(() => explore(main, { runs: 0, jitter: 0.1 })).toThrow(/explore: runs must be >= 1/);
    expect(() => explore(main, { runs: 1.5, jitter: 0.1 })).toThrow(RangeError);
    expect(() => explore(main, { runs: 1, jitter: -1 })).toThrow(/explore: jitter must be a finite number >= 0/);
    expect(() => explore(main, { runs: 1, jitter: 0.1, seed: -2 })).toThrow(/explore: seed must be an integer/);
    expect(() => explore(() => 5 as never, { runs: 1, jitter: 0.1, backend })).toThrow(ExploreError);
    process.env.AIOLOOP_SEED = 'abc';
    expect(() => explore(main, { runs: 1, jitter: 0.1 })).toThrow(/AIOLOOP_SEED must be an integer/);
  });
});

describe('explore: the same seed gives the identical trace on native and js', () => {
  it('for the race and for a busier program', () => {
    const traceOf = (backend: Backend, seed: number) => {
      process.env.AIOLOOP_SEED = String(seed);
      try {
        explore(
          function* ({ log }: ExploreRun): Coroutine<void> {
            const loop = getRunningLoop();
            const tasks = [];
            for (let i = 0; i < 6; i++) {
              tasks.push(
                loop.createTask(
                  (function* () {
                    for (let k = 0; k < 5; k++) {
                      yield* sleep(0.1 * ((i * k) % 3) + 0.05);
                      log(`task ${i} step ${k}`);
                    }
                  })(),
                ),
              );
            }
            for (const t of tasks) yield* t;
            throw new Error('end');
          },
          { runs: 1, jitter: 0.2, backend },
        );
      } catch (err) {
        return (err as ExploreError).trace;
      }
      return null;
    };
    for (const seed of [1, 2, 3]) {
      const native = traceOf('native', seed);
      expect(native!.length).toBe(31);
      expect(traceOf('js', seed)).toEqual(native);
    }
  });
});

describe.each(BACKENDS)('loop.stats() (%s)', (backend: Backend) => {
  it('counts iterations, callbacks, timers and the largest batch of a known program', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const s0 = loop.stats();
    expect(s0).toMatchObject({ iterations: 0, callbacks: 0, timersScheduled: 0, maxReady: 0, lag: 0 });
    loop.callSoon(() => {});
    const cancelledSoon = loop.callSoon(() => {});
    loop.callSoon(() => {});
    cancelledSoon.cancel();
    loop.callLater(1, () => {});
    loop.callLater(1, () => {});
    const t = loop.callLater(2, () => {});
    t.cancel();
    t.cancel(); // counted once
    const ran = loop.callLater(3, () => {});
    // iteration 1: the three callSoon entries (one cancelled); 2: two timers at 1; 3: the one at 3
    loop.runOnce();
    loop.runOnce();
    loop.runOnce();
    ran.cancel(); // after it ran: not a cancellation
    const s = loop.stats();
    expect(s).toMatchObject({
      iterations: 3,
      callbacks: 5,
      timersScheduled: 4,
      timersCancelled: 1,
      timersFired: 3,
      maxReady: 3,
      tasksCreated: 0,
      slowCallbacks: 0,
      lag: 0,
    });
    expect(s.callbackTime).toBeGreaterThanOrEqual(0);
  });

  it('counts tasks created, live and done, and sleeps as timers', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    function* sleeper(d: number): Coroutine<void> {
      yield* sleep(d);
    }
    const tasks = [1, 2, 3].map((d) => loop.createTask(sleeper(d)));
    loop.advance(2);
    expect(loop.stats()).toMatchObject({ tasksCreated: 3, tasksLive: 1, tasksDone: 2, timersScheduled: 3, timersFired: 2 });
    tasks[2].cancel();
    loop.advance(0);
    expect(loop.stats()).toMatchObject({ tasksCreated: 3, tasksLive: 0, tasksDone: 3, timersCancelled: 1 });
    loop.close();
    expect(loop.stats()).toMatchObject({ tasksCreated: 3, tasksLive: 0, tasksDone: 3 });
  });

  it('counts tasks in debug mode too, and slow callbacks there', () => {
    const loop = makeLoop(backend, { clock: 'virtual', debug: true });
    const reports = captureErrors(loop);
    loop.slowCallbackDuration = 0.01;
    loop.createTask(
      (function* () {
        yield* sleep(1);
      })(),
    );
    loop.callSoon(function spinner() {
      spin(20);
    });
    loop.advance(2);
    expect(loop.stats()).toMatchObject({ tasksCreated: 1, tasksLive: 0, tasksDone: 1 });
    // The spinner is slow by design; on a loaded machine another callback may
    // pass 10 ms too: the counter matches the reports, one of them the spinner's.
    const slow = reports.filter((r) => /^Executing/.test(String(r.message)));
    expect(loop.stats().slowCallbacks).toBe(slow.length);
    expect(slow.filter((r) => /spinner/.test(String(r.message)))).toHaveLength(1);
  });

  it('measures time in callbacks but not time waiting for a timer (monotonic clock)', () => {
    const loop = makeLoop(backend);
    loop.callSoon(() => spin(30));
    loop.callLater(0.1, () => loop.stop());
    loop.runForever();
    const s = loop.stats();
    expect(s.callbackTime).toBeGreaterThanOrEqual(0.03);
    expect(s.callbackTime).toBeLessThan(0.09); // the ~70 ms wait is not counted
  });

  it('reports the lag of a timer held up by a slow callback (monotonic clock)', () => {
    const loop = makeLoop(backend);
    loop.callLater(0.005, () => {});
    loop.callSoon(() => spin(40));
    loop.callLater(0.06, () => loop.stop());
    loop.runForever();
    const s = loop.stats();
    expect(s.lag).toBeGreaterThanOrEqual(0.03);
    expect(s.lag).toBeLessThan(1);
  });

  it('reports the lag among many pending timers, with cancels and re-arms in between (monotonic clock)', () => {
    // More timers than the native wrapper keeps on its side: the lag is read
    // from the first timer that came due, whichever core holds them.
    const loop = makeLoop(backend);
    const far: Array<{ cancel(): void }> = [];
    for (let i = 0; i < 300; i++) far.push(loop.callLater(3600 + i, () => {}));
    let hops = 0;
    const hop = (): void => {
      if (++hops < 50) loop.callLater(0, hop);
    };
    loop.callLater(0, hop);
    loop.callLater(0.005, () => {});
    loop.callSoon(() => {
      for (let i = 0; i < 150; i++) far[i].cancel();
      spin(40);
    });
    loop.callLater(0.06, () => loop.stop());
    loop.runForever();
    const s = loop.stats();
    expect(hops).toBe(50);
    expect(s.lag).toBeGreaterThanOrEqual(0.03);
    expect(s.lag).toBeLessThan(1);
    expect(s.timersCancelled).toBe(150);
  });

  it('counts only the slices of a hosted run as busy, not the time Node had the thread', async () => {
    const loop = makeLoop(backend);
    loop.callSoon(() => spin(20));
    loop.callLater(0.08, () => loop.stop());
    const t0 = performance.now();
    await loop.runForeverAsync();
    const total = (performance.now() - t0) / 1000;
    const s = loop.stats();
    expect(s.callbackTime).toBeGreaterThanOrEqual(0.02);
    expect(s.callbackTime).toBeLessThan(total - 0.03);
    expect(s.timersFired).toBe(1);
  });

  it('does not count the sentinel of advance as a callback or a timer', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    loop.advance(5);
    expect(loop.stats()).toMatchObject({ callbacks: 0, timersFired: 0, timersScheduled: 0 });
  });
});
