/**
 * `sleep(delay > 0)`: on our Loop a task parks on a handle-less timer instead
 * of a Future (see Sleeper in lib/tasks.ts). These tests pin down that the
 * shortcut keeps asyncio's observable behaviour: when the task resumes
 * relative to other callbacks, and every way a sleep can be cancelled.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, Future, Task, TimerHandle, sleep, timeout, waitFor, type Coroutine, type Loop } from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

/** What `loop` still holds: ready entries and live timers. */
function pending(loop: Loop): { ready: number; next: number } {
  return { ready: loop._core.readyCount(), next: loop._core.nextWhen() };
}

describe.each(BACKENDS)('sleep on a task (%s)', (backend) => {
  it('resumes one iteration after its timer, as a Future-based sleep does', () => {
    // asyncio: the timer completes the sleep's Future, whose done-callback
    // schedules the task's step — so a callback due at the same time, but
    // scheduled after the sleep, runs before the task resumes.
    const loop = makeLoop(backend, { clock: 'virtual' });
    const seen: string[] = [];
    loop.createTask(
      (function* () {
        yield* sleep(1);
        seen.push('task resumed');
      })(),
    );
    loop.runOnce(); // the task's first step: it parks
    loop.callAt(1, () => seen.push('timer at 1'));
    loop.runOnce(); // time jumps to 1: both timers run
    expect(seen).toEqual(['timer at 1']);
    loop.runOnce();
    expect(seen).toEqual(['timer at 1', 'task resumed']);
  });

  it('tasks sleeping until the same time resume in the order they slept', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      loop.createTask(
        (function* () {
          yield* sleep(i % 2 === 0 ? 2 : 1);
          seen.push(i);
        })(),
      );
    }
    loop.runUntilComplete(sleep(3));
    expect(seen).toEqual([1, 3, 0, 2, 4]);
  });

  it('gives its result, and the loop time is the deadline', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const got = loop.runUntilComplete(
      loop.createTask(
        (function* () {
          const a = yield* sleep(0.5, 'a');
          const b = yield* sleep(0.25, { b: 1 });
          return [a, b, loop.time()];
        })(),
      ),
    );
    expect(got).toEqual(['a', { b: 1 }, 0.75]);
  });

  it('cancel() while sleeping throws CancelledError with the message and drops the timer', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    let caught: unknown = null;
    const t = loop.createTask(
      (function* () {
        try {
          yield* sleep(100);
        } catch (err) {
          caught = err;
          throw err;
        }
      })(),
    );
    loop.runOnce();
    expect(pending(loop).next).toBe(100);
    expect(t.cancel('enough')).toBe(true);
    expect(pending(loop).next).toBe(Infinity); // the timer is gone at once
    loop.runOnce();
    expect(caught).toBeInstanceOf(CancelledError);
    expect((caught as Error).message).toBe('enough');
    expect(t.cancelled()).toBe(true);
    expect(() => t.result()).toThrow('enough');
    expect(loop.time()).toBe(0);
  });

  it('a second cancel() before the task ran counts, and throws one CancelledError (asyncio)', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    let throws = 0;
    const t = loop.createTask(
      (function* () {
        try {
          yield* sleep(10);
        } catch {
          throws++;
        }
        yield* sleep(1);
        return 'swallowed';
      })(),
    );
    loop.runOnce();
    expect(t.cancel('one')).toBe(true);
    expect(t.cancel('two')).toBe(true);
    expect(t.cancelling()).toBe(2);
    loop.runOnce();
    expect(throws).toBe(1);
    // As in asyncio, the second request is used up by that same step (it
    // found the cancellation already on its way): the coroutine swallowed it.
    expect(loop.runUntilComplete(t)).toBe('swallowed');
    expect(t.cancelling()).toBe(2);
  });

  it('cancel() after the timer ran but before the task resumed cancels the resumed step', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    let after = false;
    const t = loop.createTask(
      (function* () {
        yield* sleep(1);
        after = true;
      })(),
    );
    loop.runOnce(); // parks
    loop.runOnce(); // the timer runs and schedules the step
    expect(t.cancel()).toBe(true);
    loop.runOnce();
    expect(after).toBe(false);
    expect(t.cancelled()).toBe(true);
  });

  it('a coroutine that catches the cancellation can sleep again', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const t = loop.createTask(
      (function* () {
        try {
          yield* sleep(10);
        } catch (err) {
          if (!(err instanceof CancelledError)) throw err;
        }
        yield* sleep(2);
        return loop.time();
      })(),
    );
    loop.runOnce();
    loop.callAt(1, () => t.cancel());
    expect(t.uncancel()).toBe(0);
    expect(loop.runUntilComplete(t)).toBe(3);
  });

  it('cancelling a finished sleeping task returns false', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const t = loop.createTask(sleep(1, 'x'));
    expect(loop.runUntilComplete(t)).toBe('x');
    expect(t.cancel()).toBe(false);
  });

  it('waitFor and timeout cancel a sleeping task on time', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const got = loop.runUntilComplete(
      loop.createTask(
        (function* (): Coroutine<unknown[]> {
          const out: unknown[] = [];
          try {
            yield* waitFor(sleep(10), 1);
          } catch (err) {
            out.push((err as Error).name, loop.time());
          }
          try {
            yield* timeout(2, function* () {
              yield* sleep(10);
            });
          } catch (err) {
            out.push((err as Error).name, loop.time());
          }
          return out;
        })(),
      ),
    );
    expect(got).toEqual(['TimeoutError', 1, 'TimeoutError', 3]);
    expect(pending(loop).next).toBe(Infinity);
  });

  it('describes what a sleeping task waits for', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const t = loop.createTask(sleep(4), { name: 'napper' });
    loop.runOnce();
    expect(String(t)).toBe("<Task pending name='napper' wait_for=<sleep until 4>>");
    loop.runUntilComplete(t);
  });

  it('a sleep stepped by hand inside a task does not park the task', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const seen: string[] = [];
    const t = loop.createTask(
      (function* () {
        const s = sleep(1);
        s.next(); // started by hand, never yielded to the task
        seen.push('went on');
        const f = new Future<string>({ loop });
        loop.callAt(5, () => f.setResult('future'));
        const v = yield* f;
        seen.push(v);
        return loop.time();
      })(),
    );
    expect(loop.runUntilComplete(t)).toBe(5);
    expect(seen).toEqual(['went on', 'future']);
  });

  it('an eager task parks on its first sleep inside createTask', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const got = loop.runUntilComplete(
      loop.createTask(
        (function* () {
          const child = new Task(
            (function* () {
              yield* sleep(3);
              return loop.time();
            })(),
            { loop, eagerStart: true },
          );
          expect(pending(loop).next).toBe(3);
          return yield* child;
        })(),
      ),
    );
    expect(got).toBe(3);
  });

  it('closing the loop while tasks sleep drops their timers', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    for (let i = 0; i < 10; i++) loop.createTask(sleep(i + 1));
    loop.runOnce();
    expect(pending(loop).next).toBe(1);
    loop.close();
    expect(pending(loop)).toEqual({ ready: 0, next: Infinity });
  });

  it('100,000 sleeping tasks wake in deadline order', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const woke: number[] = [];
    let x = 7;
    const delays: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      x = (x * 48271) % 2147483647;
      delays.push(1 + (x % 1000) / 10);
    }
    for (let i = 0; i < delays.length; i++) {
      loop.createTask(
        (function* () {
          yield* sleep(delays[i]);
          woke.push(i);
        })(),
      );
    }
    loop.runUntilComplete(sleep(200));
    const expected = delays.map((d, i) => [d, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((p) => p[1]);
    expect(woke).toEqual(expected);
  });
});

describe.each(BACKENDS)('many due timers at once (%s)', (backend) => {
  it('200,000 timers due together run in (when, order) with cancelled ones skipped', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const n = 200_000;
    const ran: number[] = [];
    const handles: TimerHandle[] = [];
    let x = 11;
    const whens: number[] = [];
    for (let i = 0; i < n; i++) {
      x = (x * 48271) % 2147483647;
      const when = 1 + (x % 5000) / 1000; // many ties
      whens.push(when);
      handles.push(loop.callAt(when, () => ran.push(i)));
    }
    for (let i = 0; i < n; i += 7) handles[i].cancel();
    // Everything comes due in one iteration.
    loop.callAt(100, () => loop.stop());
    loop.callAt(10, () => {
      // Cancelling timers that are already in the ready queue, mid-iteration.
      for (let i = 1; i < n; i += 7) handles[i].cancel();
    });
    loop.runForever();
    const expected = whens
      .map((w, i) => [w, i])
      .filter(([, i]) => i % 7 !== 0)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map((p) => p[1]);
    expect(ran).toEqual(expected);
    expect(loop.time()).toBe(100);
  });

  it('timers added after a large batch came due still run in order', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const ran: string[] = [];
    for (let i = 0; i < 50_000; i++) loop.callAt(1, () => ran.push('batch'));
    loop.callAt(1, () => {
      // Runs last of the 50,001 due together; schedules one timer in the past.
      loop.callAt(0.5, () => ran.push('past'));
      loop.callAt(3, () => ran.push('later'));
    });
    loop.runUntilComplete(sleep(5));
    expect(ran.length).toBe(50_002);
    expect(ran.indexOf('past')).toBe(50_000);
    expect(ran[50_001]).toBe('later');
  });
});

/**
 * The native wrapper keeps up to 128 pending timers in its own heap and
 * moves them all to C++ at the 129th (lib/backend/local_timers.ts). Handles
 * and sleeping tasks made on either side of the move must behave alike: the
 * same order, cancellation from before and after it, the same counters.
 */
describe.each(BACKENDS)('timers across the local heap limit (%s)', (backend) => {
  it('runs, cancels and reports timers made before and after the move to C++', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const seen: string[] = [];
    const handles: TimerHandle[] = [];
    // 100 handles and 20 sleeping tasks: 120 pending, all local on native.
    for (let i = 0; i < 100; i++) handles.push(loop.callAt(1 + (i % 7), () => seen.push(`t${i}`)));
    const sleepers: Task<void>[] = [];
    for (let i = 0; i < 20; i++) {
      sleepers.push(
        loop.createTask(
          (function* () {
            yield* sleep(2 + (i % 5));
            seen.push(`s${i}`);
          })(),
        ),
      );
    }
    loop.runOnce(); // the tasks park on their timers
    handles[3].cancel(); // cancelled while local
    sleepers[4].cancel();
    loop.runOnce();
    // 40 more: the move to C++ happens among them on native.
    for (let i = 100; i < 140; i++) handles.push(loop.callAt(1 + (i % 7), () => seen.push(`t${i}`)));
    handles[5].cancel(); // made local, cancelled after the move
    handles[120].cancel(); // made after the move
    sleepers[7].cancel(); // a task parked locally, cancelled after the move
    expect(String(handles[6])).toContain('TimerHandle');
    expect(String(handles[6])).not.toContain('cancelled');
    expect(String(handles[5])).toContain('cancelled');
    loop.runUntilComplete(loop.createTask(sleep(10)));
    const want: string[] = [];
    const all: Array<{ name: string; when: number; order: number }> = [];
    for (let i = 0; i < 140; i++) if (i !== 3 && i !== 5 && i !== 120) all.push({ name: `t${i}`, when: 1 + (i % 7), order: i });
    for (const a of all.sort((x, y) => x.when - y.when || x.order - y.order)) want.push(a.name);
    const timers = seen.filter((s) => s.startsWith('t'));
    expect(timers).toEqual(want);
    const woke = seen.filter((s) => s.startsWith('s')).sort();
    expect(woke).toEqual(
      Array.from({ length: 20 }, (_, i) => `s${i}`)
        .filter((s) => s !== 's4' && s !== 's7')
        .sort(),
    );
    const st = loop.stats();
    expect(st.timersCancelled).toBe(5);
    expect(st.timersFired).toBe(137 + 18 + 1);
    // Cancelling after the callback ran changes nothing.
    handles[0].cancel();
    expect(loop.stats().timersCancelled).toBe(5);
    loop.close();
  });

  it('goes back to the local heap once C++ holds no timer, and keeps FIFO ties', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const seen: number[] = [];
    for (let round = 0; round < 3; round++) {
      const base = loop.time() + 1;
      for (let i = 0; i < 300; i++) loop.callAt(base, () => seen.push(round * 1000 + i));
      loop.runUntilComplete(loop.createTask(sleep(2)));
      // A few timers now: local again on native.
      for (let i = 0; i < 5; i++) loop.callLater(0.5, () => seen.push(round * 1000 + 500 + i));
      loop.runUntilComplete(loop.createTask(sleep(1)));
    }
    const want: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 300; i++) want.push(round * 1000 + i);
      for (let i = 0; i < 5; i++) want.push(round * 1000 + 500 + i);
    }
    expect(seen).toEqual(want);
    loop.close();
  });
});
