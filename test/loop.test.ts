import { describe, expect, it, vi } from 'vitest';
import { EventLoopError, Handle, Loop, TimerHandle, getRunningLoop } from '../lib/index';
import { BACKENDS, captureErrors, expectReportedHandle, makeLoop } from './helpers';

describe.each(BACKENDS)('Loop (%s)', (backend) => {
  describe('callSoon', () => {
    it('returns a Handle and passes the arguments', () => {
      const loop = makeLoop(backend);
      const seen: unknown[] = [];
      const h = loop.callSoon((a: number, b: string, c: boolean) => seen.push(a, b, c), 1, 'x', true);
      expect(h).toBeInstanceOf(Handle);
      loop.runOnce();
      expect(seen).toEqual([1, 'x', true]);
    });

    it('passes many arguments', () => {
      const loop = makeLoop(backend);
      let sum = 0;
      loop.callSoon((...xs: number[]) => (sum = xs.reduce((a, b) => a + b, 0)), 1, 2, 3, 4, 5);
      loop.runOnce();
      expect(sum).toBe(15);
    });

    it('skips a cancelled handle and keeps the others', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      loop.callSoon(() => seen.push('a'));
      const h = loop.callSoon(() => seen.push('b'));
      loop.callSoon(() => seen.push('c'));
      h.cancel();
      expect(h.cancelled()).toBe(true);
      loop.runOnce();
      expect(seen).toEqual(['a', 'c']);
    });

    it('a handle cancelled by an earlier callback of the same iteration does not run', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      let later: Handle | null = null;
      loop.callSoon(() => later!.cancel());
      later = loop.callSoon(() => seen.push('later'));
      loop.runOnce();
      expect(seen).toEqual([]);
    });

    it('a handle cancelled after the ready queue grew still cancels its callback', () => {
      const loop = makeLoop(backend);
      const seen: number[] = [];
      const first = loop.callSoon(() => seen.push(-1));
      for (let i = 0; i < 5000; i++) loop.callSoon(() => seen.push(i));
      first.cancel();
      loop.runOnce();
      expect(seen.length).toBe(5000);
      expect(seen[0]).toBe(0);
    });

    it('cancelling a handle after its callback ran does not touch later callbacks', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      const handles = [];
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 1500; i++) handles.push(loop.callSoon(() => seen.push(`r${round}`)));
        loop.runOnce();
        // Every earlier handle is stale now: cancelling them must be a no-op.
        for (const h of handles) h.cancel();
      }
      expect(seen.length).toBe(4500);
    });

    it("a pending handle's toString names its callback", () => {
      const loop = makeLoop(backend);
      const h = loop.callSoon(function namedCallback() {});
      const t = loop.callLater(5, function timerCallback() {});
      expect(String(h)).toBe('<Handle namedCallback>');
      expect(String(t)).toMatch(/^<TimerHandle timerCallback when=/);
      h.cancel();
      expect(String(h)).toBe('<Handle cancelled>');
      loop.runOnce();
    });

    it('keeps FIFO order across ring growth', () => {
      const loop = makeLoop(backend);
      const seen: number[] = [];
      const n = 5000;
      for (let i = 0; i < n; i++) loop.callSoon(() => seen.push(i));
      loop.runOnce();
      expect(seen.length).toBe(n);
      expect(seen.every((v, i) => v === i)).toBe(true);
    });

    it('keeps FIFO order when the ring wraps around', () => {
      const loop = makeLoop(backend);
      const seen: number[] = [];
      let next = 0;
      // Keep ~600 callbacks in flight while 5000 pass through the ring.
      const step = () => {
        const i = next++;
        seen.push(i);
        if (next < 5000) loop.callSoon(step);
      };
      for (let i = 0; i < 600; i++) loop.callSoon(step);
      for (let k = 0; k < 20; k++) loop.runOnce();
      expect(seen.every((v, i) => v === i)).toBe(true);
    });
  });

    // The native ring grows in place when no live entry changes its index
    // (a burst on a fresh loop) and by moving each entry otherwise (a ring
    // that wrapped, or whose head sits in the upper half): both must keep
    // order, arguments and which handle cancels what.
    it.each([
      ['a burst on a fresh ring', 0, 3000],
      ['a ring whose head sits in its upper half', 1500, 3000],
      ['a ring that has wrapped', 1000, 1500],
      ['a ring grown many times from an advanced head', 70000, 40000],
    ])('keeps order, arguments and cancellation across growth: %s', (_name, advance, burst) => {
      const loop = makeLoop(backend);
      // Move the ring's head along first (each runOnce empties it).
      for (let done = 0; done < advance; ) {
        const k = Math.min(700, advance - done);
        for (let i = 0; i < k; i++) loop.callSoon(() => {});
        loop.runOnce();
        done += k;
      }
      const seen: number[] = [];
      const handles: Handle[] = [];
      for (let i = 0; i < burst; i++) handles.push(loop.callSoon((x: number) => seen.push(x), i));
      // Cancel every seventh, some before and some after the growth they caused.
      for (let i = 0; i < burst; i += 7) handles[i].cancel();
      loop.runOnce();
      const expected: number[] = [];
      for (let i = 0; i < burst; i++) if (i % 7 !== 0) expected.push(i);
      expect(seen).toEqual(expected);
      // Stale handles cancel nothing on the (now reused) ring.
      const later: number[] = [];
      for (let i = 0; i < 10; i++) loop.callSoon(() => later.push(i));
      for (const h of handles) h.cancel();
      loop.runOnce();
      expect(later).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      loop.close();
    });

  describe('timers', () => {
    it('callLater returns a TimerHandle whose when() is time() + delay', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const h = loop.callLater(2.5, () => {});
      expect(h).toBeInstanceOf(TimerHandle);
      expect(h.when()).toBe(2.5);
    });

    it('runs timers in deadline order', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: number[] = [];
      for (const d of [5, 1, 4, 2, 3]) loop.callLater(d, () => seen.push(d));
      loop.callLater(6, () => loop.stop());
      loop.runForever();
      expect(seen).toEqual([1, 2, 3, 4, 5]);
    });

    it('runs timers with equal deadlines in scheduling order', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: number[] = [];
      for (let i = 0; i < 50; i++) loop.callAt(1, () => seen.push(i));
      loop.callAt(2, () => loop.stop());
      loop.runForever();
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it('ties stay FIFO when cancellations reshape the heap', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: number[] = [];
      const handles = [];
      for (let i = 0; i < 200; i++) handles.push(loop.callAt(i % 3, () => seen.push(i)));
      for (let i = 0; i < 200; i += 7) handles[i].cancel();
      loop.callAt(10, () => loop.stop());
      loop.runForever();
      const expected = [0, 1, 2].flatMap((w) =>
        Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 3 === w && i % 7 !== 0),
      );
      expect(seen).toEqual(expected);
    });

    it('callAt schedules at an absolute time', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      let at = -1;
      loop.callAt(7, () => {
        at = loop.time();
        loop.stop();
      });
      loop.runForever();
      expect(at).toBe(7);
    });

    it('a due timer joins the ready queue after what is already there', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: string[] = [];
      loop.callLater(0, () => seen.push('timer'));
      loop.callSoon(() => seen.push('soon1'));
      loop.callSoon(() => seen.push('soon2'));
      loop.runOnce();
      expect(seen).toEqual(['soon1', 'soon2', 'timer']);
    });

    it('a cancelled timer never runs', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: string[] = [];
      const h = loop.callLater(1, () => seen.push('x'));
      loop.callLater(2, () => loop.stop());
      h.cancel();
      loop.runForever();
      expect(seen).toEqual([]);
      expect(h.cancelled()).toBe(true);
    });

    it('a timer cancelled after it became due but before it ran does not run', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: string[] = [];
      let t: TimerHandle | null = null;
      loop.callAt(1, () => t!.cancel());
      t = loop.callAt(1, () => seen.push('t'));
      loop.callAt(2, () => loop.stop());
      loop.runForever();
      expect(seen).toEqual([]);
    });

    it('cancelling a timer twice, or after it ran, is harmless', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: number[] = [];
      const a = loop.callLater(1, () => seen.push(1));
      loop.callLater(2, () => loop.stop());
      loop.runForever();
      a.cancel();
      a.cancel();
      // The slot the old handle used may be reused: the new timer must run.
      loop.callLater(1, () => seen.push(2));
      loop.callLater(2, () => loop.stop());
      a.cancel();
      loop.runForever();
      expect(seen).toEqual([1, 2]);
    });

    it('cancelled timers leave the heap (no pile-up)', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const hs = [];
      for (let i = 0; i < 10000; i++) hs.push(loop.callLater(3600, () => {}));
      for (const h of hs) h.cancel();
      expect(loop._core.nextWhen()).toBe(Infinity);
      loop.callLater(1, () => {});
      expect(loop._core.nextWhen()).toBe(1);
    });

    it('an Infinity delay never fires but is allowed', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: string[] = [];
      const h = loop.callLater(Infinity, () => seen.push('never'));
      expect(h.when()).toBe(Infinity);
      loop.callLater(1000, () => loop.stop());
      loop.runForever();
      expect(seen).toEqual([]);
    });

    it('a negative delay is due at once', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const seen: string[] = [];
      loop.callLater(-5, () => seen.push('neg'));
      loop.runOnce();
      expect(seen).toEqual(['neg']);
    });

    it('many timers come out in (when, seq) order', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      let x = 12345;
      const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x % 100);
      const items: Array<[number, number]> = [];
      const seen: number[] = [];
      for (let i = 0; i < 20000; i++) {
        const w = rand();
        items.push([w, i]);
        loop.callAt(w, () => seen.push(i));
      }
      loop.callAt(1000, () => loop.stop());
      loop.runForever();
      items.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(seen).toEqual(items.map((p) => p[1]));
    });

    it('timers cancelled in the order they were made leave the next deadline exact', () => {
      // Timeouts that did not fire: most timers are cancelled, earliest
      // first, in batches larger than the native command buffer. The native
      // core then leaves the cancelled ones in its heap as tombstones; the
      // loop must still see the earliest live timer, wait for nothing else,
      // and stop at an advanceTo target without jumping past it.
      const loop = makeLoop(backend, { clock: 'virtual' });
      const n = 20000;
      const fired: number[] = [];
      const handles = [];
      for (let i = 1; i <= n; i++) handles.push(loop.callAt(i, () => fired.push(i)));
      loop.callAt(n + 0.5, () => fired.push(n + 0.5));
      for (let i = 0; i < n - 1; i++) handles[i].cancel();
      loop.advanceTo(n - 2);
      expect(loop.time()).toBe(n - 2);
      expect(fired).toEqual([]);
      loop.advanceTo(n);
      expect(fired).toEqual([n]);
      expect(loop.time()).toBe(n);
      // Every timer cancelled: a run with nothing left would wait forever.
      handles[n - 1].cancel();
      const last = loop.callAt(n + 1, () => fired.push(n + 1));
      const h = loop.callAt(n + 2, () => fired.push(n + 2));
      last.cancel();
      h.cancel();
      const done = loop.createFuture();
      loop.callAt(n + 0.75, () => done.setResult(undefined));
      loop.runUntilComplete(done);
      expect(fired).toEqual([n, n + 0.5]);
      expect(loop.time()).toBe(n + 0.75);
      expect(() => loop.runUntilComplete(loop.createFuture())).toThrow(EventLoopError);
      loop.close();
    });
  });

  describe('clock', () => {
    it('time() is monotonic seconds', () => {
      const loop = makeLoop(backend);
      const a = loop.time();
      const b = loop.time();
      expect(typeof a).toBe('number');
      expect(b).toBeGreaterThanOrEqual(a);
    });

    it('a virtual clock starts at 0 and jumps to the next timer', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      expect(loop.time()).toBe(0);
      const times: number[] = [];
      loop.callLater(3600, () => times.push(loop.time()));
      loop.callLater(7200, () => {
        times.push(loop.time());
        loop.stop();
      });
      const t0 = Date.now();
      loop.runForever();
      expect(times).toEqual([3600, 7200]);
      expect(Date.now() - t0).toBeLessThan(1000);
    });

    it('runOnce waits for the next timer on the monotonic clock', () => {
      const loop = makeLoop(backend);
      let ran = false;
      const start = loop.time();
      loop.callLater(0.02, () => (ran = true));
      loop.runOnce();
      expect(ran).toBe(true);
      expect(loop.time() - start).toBeGreaterThanOrEqual(0.02 - 1e-3);
    });
  });

  describe('runOnce', () => {
    it('returns at once with nothing ready and no timers', () => {
      const loop = makeLoop(backend);
      loop.runOnce();
      expect(loop.isRunning()).toBe(false);
    });

    it('makes the loop the running loop while it runs', () => {
      const loop = makeLoop(backend);
      let inside: Loop | null = null;
      loop.callSoon(() => (inside = getRunningLoop()));
      loop.runOnce();
      expect(inside).toBe(loop);
      expect(() => getRunningLoop()).toThrow('no running event loop');
    });

    it('re-entering from a callback throws', () => {
      const loop = makeLoop(backend);
      let err: unknown = null;
      loop.callSoon(() => {
        try {
          loop.runOnce();
        } catch (e) {
          err = e;
        }
      });
      loop.runOnce();
      expect(err).toBeInstanceOf(EventLoopError);
      expect((err as Error).message).toBe('This event loop is already running');
    });
  });

  describe('stop', () => {
    it('stop() before runForever runs one iteration', () => {
      const loop = makeLoop(backend);
      const seen: number[] = [];
      loop.callSoon(() => {
        seen.push(1);
        loop.callSoon(() => seen.push(2));
      });
      loop.stop();
      loop.runForever();
      expect(seen).toEqual([1]);
      loop.stop();
      loop.runForever();
      expect(seen).toEqual([1, 2]);
    });

    it('stop() before runForever does not wait for a timer', () => {
      const loop = makeLoop(backend);
      let ran = false;
      loop.callLater(10, () => (ran = true));
      loop.stop();
      const t0 = Date.now();
      loop.runForever();
      expect(ran).toBe(false);
      expect(Date.now() - t0).toBeLessThan(1000);
    });

    it('stop() inside a callback finishes the current iteration', () => {
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
    });

    it('runUntilComplete on a loop stopped before the future completes throws', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture();
      loop.callSoon(() => loop.stop());
      expect(() => loop.runUntilComplete(f)).toThrow(EventLoopError);
      loop.callSoon(() => loop.stop());
      expect(() => loop.runUntilComplete(f)).toThrow('Event loop stopped before Future completed.');
      expect(f.done()).toBe(false);
    });

    it('runUntilComplete returns the result and leaves no stop callback behind', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture<number>();
      loop.callSoon(() => f.setResult(3));
      expect(loop.runUntilComplete(f)).toBe(3);
      expect(f._callbacks).toBe(null);
      // The loop was not left stopping: a later run goes on until its own stop.
      const seen: number[] = [];
      loop.callSoon(() => {
        seen.push(1);
        loop.callSoon(() => {
          seen.push(2);
          loop.stop();
        });
      });
      loop.runForever();
      expect(seen).toEqual([1, 2]);
    });

    it('the loop can run again after stopping', () => {
      const loop = makeLoop(backend);
      let count = 0;
      for (let i = 0; i < 3; i++) {
        loop.callSoon(() => {
          count++;
          loop.stop();
        });
        loop.runForever();
      }
      expect(count).toBe(3);
    });
  });

  describe('running state', () => {
    it('isRunning is true inside, false outside', () => {
      const loop = makeLoop(backend);
      let inside = false;
      loop.callSoon(() => {
        inside = loop.isRunning();
        loop.stop();
      });
      expect(loop.isRunning()).toBe(false);
      loop.runForever();
      expect(inside).toBe(true);
      expect(loop.isRunning()).toBe(false);
    });

    it('running a running loop throws', () => {
      const loop = makeLoop(backend);
      let err: unknown = null;
      loop.callSoon(() => {
        try {
          loop.runForever();
        } catch (e) {
          err = e;
        }
        loop.stop();
      });
      loop.runForever();
      expect((err as Error).message).toBe('This event loop is already running');
    });

    it('running another loop inside a running one throws', () => {
      const loop = makeLoop(backend);
      const other = makeLoop(backend);
      let err: unknown = null;
      loop.callSoon(() => {
        try {
          other.runOnce();
        } catch (e) {
          err = e;
        }
        loop.stop();
      });
      loop.runForever();
      expect(err).toBeInstanceOf(EventLoopError);
      expect((err as Error).message).toMatch(/another loop is running/);
    });
  });

  describe('close', () => {
    it('close() drops pending callbacks and timers', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      loop.callSoon(() => seen.push('soon'));
      loop.callLater(0.001, () => seen.push('later'));
      loop.close();
      expect(loop.isClosed()).toBe(true);
      expect(seen).toEqual([]);
    });

    it('scheduling on a closed loop throws Event loop is closed', () => {
      const loop = makeLoop(backend);
      loop.close();
      for (const f of [
        () => loop.callSoon(() => {}),
        () => loop.callLater(1, () => {}),
        () => loop.callAt(1, () => {}),
        () => loop.runForever(),
        () => loop.runOnce(),
        () => loop.runUntilComplete(loop.createFuture()),
      ]) {
        expect(f).toThrow(EventLoopError);
        expect(f).toThrow('Event loop is closed');
      }
    });

    it('closing a running loop throws', () => {
      const loop = makeLoop(backend);
      let err: unknown = null;
      loop.callSoon(() => {
        try {
          loop.close();
        } catch (e) {
          err = e;
        }
        loop.stop();
      });
      loop.runForever();
      expect((err as Error).message).toBe('Cannot close a running event loop');
      expect(loop.isClosed()).toBe(false);
    });

    it('close() is idempotent', () => {
      const loop = makeLoop(backend);
      loop.close();
      loop.close();
      expect(loop.isClosed()).toBe(true);
    });

    it('cancelling a timer of a closed loop is harmless', () => {
      const loop = makeLoop(backend);
      const h = loop.callLater(1, () => {});
      loop.close();
      h.cancel();
      expect(h.cancelled()).toBe(true);
    });
  });

  describe('exception handling', () => {
    it('a throwing callback goes to the handler with message, exception and handle; the loop goes on', () => {
      const loop = makeLoop(backend);
      const errors = captureErrors(loop);
      const boom = new Error('boom');
      const seen: string[] = [];
      const h = loop.callSoon(function failing() {
        throw boom;
      });
      loop.callSoon(() => seen.push('after'));
      loop.runOnce();
      expect(seen).toEqual(['after']);
      expect(errors).toHaveLength(1);
      expect(errors[0].exception).toBe(boom);
      expectReportedHandle(errors[0].handle, h, backend);
      expect(errors[0].message).toMatch(/Exception in callback failing/);
    });

    it('a throwing timer callback reports its TimerHandle', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const errors = captureErrors(loop);
      const h = loop.callLater(1, () => {
        throw new TypeError('bad');
      });
      loop.runOnce();
      expectReportedHandle(errors[0].handle, h, backend);
      expect(errors[0].exception).toBeInstanceOf(TypeError);
    });

    it('the handler receives the loop', () => {
      const loop = makeLoop(backend);
      let got: unknown = null;
      loop.setExceptionHandler((l) => (got = l));
      loop.callSoon(() => {
        throw new Error('x');
      });
      loop.runOnce();
      expect(got).toBe(loop);
    });

    it('the default handler writes to console.error', () => {
      const loop = makeLoop(backend);
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        loop.callSoon(() => {
          throw new Error('to stderr');
        });
        loop.runOnce();
        expect(spy).toHaveBeenCalledTimes(1);
        expect(String(spy.mock.calls[0][0])).toMatch(/Exception in callback/);
        expect((spy.mock.calls[0][1] as Error).message).toBe('to stderr');
      } finally {
        spy.mockRestore();
      }
    });

    it('a handler that throws falls back to the default handler', () => {
      const loop = makeLoop(backend);
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        loop.setExceptionHandler(() => {
          throw new Error('handler broke');
        });
        loop.callSoon(() => {
          throw new Error('cb broke');
        });
        loop.runOnce();
        expect(spy).toHaveBeenCalledTimes(1);
        expect(String(spy.mock.calls[0][0])).toMatch(/Unhandled error in exception handler/);
      } finally {
        spy.mockRestore();
      }
    });

    it('getExceptionHandler returns what was set; null restores the default', () => {
      const loop = makeLoop(backend);
      const h = () => {};
      expect(loop.getExceptionHandler()).toBe(null);
      loop.setExceptionHandler(h);
      expect(loop.getExceptionHandler()).toBe(h);
      loop.setExceptionHandler(null);
      expect(loop.getExceptionHandler()).toBe(null);
    });

    it('callExceptionHandler passes a custom context through', () => {
      const loop = makeLoop(backend);
      const errors = captureErrors(loop);
      loop.callExceptionHandler({ message: 'custom', extra: 42 });
      expect(errors).toEqual([{ message: 'custom', extra: 42 }]);
    });
  });

  describe('debug', () => {
    it('setDebug/getDebug and the slowCallbackDuration default', () => {
      const loop = makeLoop(backend);
      expect(loop.getDebug()).toBe(false);
      expect(loop.slowCallbackDuration).toBe(0.1);
      loop.setDebug(true);
      expect(loop.getDebug()).toBe(true);
      expect(makeLoop(backend, { debug: true }).getDebug()).toBe(true);
    });

    it('reports a slow callback in debug mode, with no exception', () => {
      const loop = makeLoop(backend, { debug: true });
      loop.slowCallbackDuration = 0.005;
      const errors = captureErrors(loop);
      const h = loop.callSoon(function slow() {
        const end = Date.now() + 15;
        while (Date.now() < end) {
          // busy on purpose
        }
      });
      loop.callSoon(function fast() {});
      loop.runOnce();
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(/Executing .*slow.* took \d+\.\d+ seconds/);
      expectReportedHandle(errors[0].handle, h, backend);
      expect(errors[0].exception).toBeUndefined();
    });

    it('does not report slow callbacks outside debug mode', () => {
      const loop = makeLoop(backend);
      loop.slowCallbackDuration = 0;
      const errors = captureErrors(loop);
      loop.callSoon(() => {});
      loop.runOnce();
      expect(errors).toHaveLength(0);
    });
  });

  it('reports which backend it runs on', () => {
    expect(makeLoop(backend).backend).toBe(backend);
  });
});
