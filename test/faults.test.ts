/**
 * Faults: what a callback can do to the loop that runs it — throw, stop the
 * loop, try to close it, re-enter it — and a Task cancelled in the same
 * iteration as the Future it awaits completes. Nothing may be lost, and misuse
 * must be a clear error, never a corrupted loop. Both backends.
 */
import { describe, expect, it, vi } from 'vitest';
import { CancelledError, EventLoopError, InvalidStateError, type Coroutine, type Handle } from '../lib/index';
import { BACKENDS, captureErrors, makeLoop, expectReportedHandle } from './helpers';

describe.each(BACKENDS)('faults (%s)', (backend) => {
  it('a callback that throws in the middle of a batch loses none of the others', () => {
    const loop = makeLoop(backend);
    const errors = captureErrors(loop);
    const seen: number[] = [];
    const handles: Handle[] = [];
    for (let i = 0; i < 10; i++) {
      handles.push(
        loop.callSoon(() => {
          seen.push(i);
          if (i === 4) throw new Error('boom 4');
        }),
      );
    }
    loop.runOnce();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(errors).toHaveLength(1);
    expectReportedHandle(errors[0].handle, handles[4], backend);
    expect((errors[0].exception as Error).message).toBe('boom 4');
    expect(errors[0].message).toMatch(/^Exception in callback/);
  });

  it('timers due together still all run when one of them throws', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const errors = captureErrors(loop);
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      loop.callAt(1, () => {
        seen.push(i);
        if (i % 3 === 0) throw new Error(`boom ${i}`);
      });
    }
    loop.runOnce();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(errors.map((e) => (e.exception as Error).message)).toEqual(['boom 0', 'boom 3', 'boom 6']);
    expect(loop.time()).toBe(1);
  });

  it('an exception handler that throws loses no callback either', () => {
    const loop = makeLoop(backend);
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      loop.setExceptionHandler(() => {
        throw new Error('handler broke');
      });
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) {
        loop.callSoon(() => {
          seen.push(i);
          throw new Error(`boom ${i}`);
        });
      }
      loop.runOnce();
      expect(seen).toEqual([0, 1, 2, 3, 4]);
      expect(printed).toHaveBeenCalledTimes(5);
      expect(String(printed.mock.calls[0][0])).toMatch(/^Unhandled error in exception handler/);
    } finally {
      printed.mockRestore();
    }
  });

  it('stop() from a callback ends runForever after the iteration, and a re-run goes on', () => {
    const loop = makeLoop(backend);
    const seen: string[] = [];
    loop.callSoon(() => {
      seen.push('a');
      loop.stop();
      loop.callSoon(() => seen.push('next'));
    });
    loop.callSoon(() => seen.push('b'));
    loop.runForever();
    expect(seen).toEqual(['a', 'b']);
    expect(loop.isRunning()).toBe(false);
    loop.callSoon(() => loop.stop());
    loop.runForever();
    expect(seen).toEqual(['a', 'b', 'next']);
  });

  it('stop() from a callback makes runUntilComplete throw if the future is not done', () => {
    const loop = makeLoop(backend);
    const fut = loop.createFuture<number>();
    loop.callSoon(() => loop.stop());
    expect(() => loop.runUntilComplete(fut)).toThrow(new EventLoopError('Event loop stopped before Future completed.'));
    loop.callSoon(() => fut.setResult(3));
    expect(loop.runUntilComplete(fut)).toBe(3);
  });

  it('close() from a callback is an EventLoopError and the loop goes on', () => {
    const loop = makeLoop(backend);
    const errors = captureErrors(loop);
    const seen: string[] = [];
    loop.callSoon(() => loop.close());
    loop.callSoon(() => seen.push('after'));
    loop.callLater(0, () => seen.push('timer'));
    loop.runOnce();
    loop.runOnce();
    expect(seen).toEqual(['after', 'timer']);
    expect(loop.isClosed()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0].exception).toBeInstanceOf(EventLoopError);
    expect((errors[0].exception as Error).message).toBe('Cannot close a running event loop');
  });

  it('close() from a callback after stop() takes effect once the run returns', () => {
    const loop = makeLoop(backend);
    let closeError: unknown = null;
    loop.callSoon(() => {
      loop.stop();
      try {
        loop.close();
      } catch (err) {
        closeError = err;
      }
    });
    loop.runForever();
    expect(closeError).toBeInstanceOf(EventLoopError);
    loop.close();
    expect(loop.isClosed()).toBe(true);
    expect(() => loop.callSoon(() => {})).toThrow(new EventLoopError('Event loop is closed'));
  });

  it.each(['runOnce', 'runForever', 'runUntilComplete'] as const)(
    '%s re-entered from a callback throws "This event loop is already running"',
    (method) => {
      const loop = makeLoop(backend);
      const errors = captureErrors(loop);
      const seen: string[] = [];
      loop.callSoon(() => {
        if (method === 'runUntilComplete') loop.runUntilComplete(loop.createFuture());
        else loop[method]();
      });
      loop.callSoon(() => seen.push('rest of the batch'));
      loop.runOnce();
      expect(seen).toEqual(['rest of the batch']);
      expect(errors).toHaveLength(1);
      expect(errors[0].exception).toBeInstanceOf(EventLoopError);
      expect((errors[0].exception as Error).message).toBe('This event loop is already running');
      expect(loop.isRunning()).toBe(false);
    },
  );

  it('another loop run from a callback throws and leaves both loops usable', () => {
    const loop = makeLoop(backend);
    const other = makeLoop(backend);
    const errors = captureErrors(loop);
    loop.callSoon(() => other.runOnce());
    loop.runOnce();
    expect((errors[0].exception as Error).message).toBe('Cannot run the event loop while another loop is running');
    const seen: string[] = [];
    other.callSoon(() => seen.push('other runs'));
    other.runOnce();
    expect(seen).toEqual(['other runs']);
  });

  it('a callback cancelling a later handle of its own batch keeps it from running', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const seen: string[] = [];
    const handles: Handle[] = [];
    loop.callSoon(() => {
      seen.push('a');
      for (const h of handles) h.cancel();
    });
    handles.push(loop.callSoon(() => seen.push('soon')));
    handles.push(loop.callLater(0, () => seen.push('timer due in this batch')));
    loop.callSoon(() => seen.push('z'));
    loop.runOnce();
    expect(seen).toEqual(['a', 'z']);
    loop.runOnce();
    expect(seen).toEqual(['a', 'z']);
  });

  describe('a Task whose awaited Future completes in the iteration it is cancelled', () => {
    function* waiter(fut: { [Symbol.iterator](): Iterator<unknown, number> }, seen: string[]): Coroutine<string> {
      try {
        const v = yield* fut;
        seen.push(`got ${v}`);
        return 'finished';
      } catch (err) {
        seen.push(err instanceof CancelledError ? `cancelled: ${err.message}` : `error: ${String(err)}`);
        throw err;
      }
    }

    it('is cancelled when the result comes first (the result is dropped)', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      const fut = loop.createFuture<number>();
      const task = loop.createTask(waiter(fut, seen));
      loop.runOnce(); // the task parks on fut
      loop.callSoon(() => fut.setResult(1));
      loop.callSoon(() => expect(task.cancel('late')).toBe(true));
      loop.runOnce(); // both in one iteration: the wake-up is scheduled, then the cancel
      loop.runOnce(); // the task wakes with a pending cancellation
      expect(seen).toEqual(['cancelled: late']);
      expect(task.cancelled()).toBe(true);
      expect(fut.result()).toBe(1);
      expect(() => task.result()).toThrow(CancelledError);
    });

    it('is cancelled when the cancel comes first, and the late setResult is refused', () => {
      const loop = makeLoop(backend);
      const errors = captureErrors(loop);
      const seen: string[] = [];
      const fut = loop.createFuture<number>();
      const task = loop.createTask(waiter(fut, seen));
      loop.runOnce();
      loop.callSoon(() => task.cancel('early'));
      loop.callSoon(() => fut.setResult(1));
      loop.runOnce();
      loop.runOnce();
      expect(fut.cancelled()).toBe(true);
      expect(errors).toHaveLength(1);
      expect(errors[0].exception).toBeInstanceOf(InvalidStateError);
      expect(seen).toEqual(['cancelled: early']);
      expect(task.cancelled()).toBe(true);
    });

    it('finishes with its own value when the coroutine catches the cancellation', () => {
      const loop = makeLoop(backend);
      const fut = loop.createFuture<number>();
      const task = loop.createTask(
        (function* () {
          try {
            yield* fut;
          } catch (err) {
            if (err instanceof CancelledError) return 'recovered';
            throw err;
          }
          return 'not cancelled';
        })(),
      );
      loop.runOnce();
      loop.callSoon(() => fut.setResult(1));
      loop.callSoon(() => task.cancel());
      expect(loop.runUntilComplete(task)).toBe('recovered');
      expect(task.cancelled()).toBe(false);
      expect(task.cancelling()).toBe(1);
    });
  });

  it('a loop closed between iterations drops everything and refuses new work', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const seen: string[] = [];
    loop.callSoon(() => seen.push('soon'));
    loop.callLater(1, () => seen.push('later'));
    loop.createTask(
      (function* () {
        seen.push('task');
      })(),
    );
    loop.close();
    expect(() => loop.runOnce()).toThrow(new EventLoopError('Event loop is closed'));
    expect(() => loop.callLater(1, () => {})).toThrow(new EventLoopError('Event loop is closed'));
    expect(seen).toEqual([]);
  });
});
