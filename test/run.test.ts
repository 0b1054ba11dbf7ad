import { describe, expect, it, vi } from 'vitest';
import {
  CancelledError,
  EventLoopError,
  Loop,
  allTasks,
  createTask,
  getEventLoop,
  getRunningLoop,
  newEventLoop,
  run,
  setEventLoop,
  sleep,
  type Coroutine,
} from '../lib/index';
import { BACKENDS } from './helpers';

describe.each(BACKENDS)('run (%s)', (backend) => {
  it('runs a coroutine to completion and returns its result', () => {
    function* main(): Coroutine<number> {
      yield* sleep(0.001);
      return 42;
    }
    expect(run(main(), { backend })).toBe(42);
  });

  it('accepts a function that returns the coroutine', () => {
    expect(
      run(
        function* () {
          return 'fn';
        },
        { backend },
      ),
    ).toBe('fn');
  });

  it("throws main's error", () => {
    expect(() =>
      run(
        function* () {
          yield;
          throw new RangeError('main failed');
        },
        { backend },
      ),
    ).toThrow('main failed');
  });

  it('runs on a new loop with the requested backend and clock, then closes it', () => {
    let loop: Loop | null = null;
    const t = run(
      function* () {
        loop = getRunningLoop();
        yield* sleep(3600);
        return loop.time();
      },
      { backend, clock: 'virtual' },
    );
    expect(t).toBe(3600);
    expect(loop!.backend).toBe(backend);
    expect(loop!.isClosed()).toBe(true);
  });

  it('cancels the tasks still alive when main returns and waits for them', () => {
    const seen: string[] = [];
    run(
      function* () {
        createTask(
          (function* () {
            try {
              yield* sleep(100);
            } catch (e) {
              seen.push(`child ${(e as Error).name}`);
              yield;
              seen.push('child cleaned up');
              throw e;
            }
          })(),
        );
        yield;
        return 'main done';
      },
      { backend },
    );
    expect(seen).toEqual(['child CancelledError', 'child cleaned up']);
  });

  it("a leftover task's error goes to the exception handler", () => {
    const reported: unknown[] = [];
    run(
      function* () {
        getRunningLoop().setExceptionHandler((_l, ctx) => reported.push(ctx.exception));
        createTask(
          (function* () {
            try {
              yield* sleep(100);
            } catch {
              throw new Error('cleanup failed');
            }
          })(),
        );
        yield;
      },
      { backend },
    );
    expect(reported).toHaveLength(1);
    expect((reported[0] as Error).message).toBe('cleanup failed');
  });

  it('inside a running loop throws', () => {
    let err: unknown = null;
    run(
      function* () {
        try {
          run(function* () {}, { backend });
        } catch (e) {
          err = e;
        }
      },
      { backend },
    );
    expect(err).toBeInstanceOf(EventLoopError);
    expect((err as Error).message).toMatch(/cannot be called from a running event loop/);
  });

  it('rejects something that is not a coroutine', () => {
    expect(() => run(42 as never, { backend })).toThrow(TypeError);
    expect(() => run((() => 42) as never, { backend })).toThrow(/coroutine/);
  });

  it('leaves no running loop and no set loop behind', () => {
    run(function* () {}, { backend });
    expect(() => getRunningLoop()).toThrow('no running event loop');
    const l = getEventLoop();
    expect(l.isClosed()).toBe(false);
    l.close();
    setEventLoop(null);
  });

  it('main cancelled from inside ends run with CancelledError', () => {
    expect(() =>
      run(
        function* () {
          getRunningLoop();
          const self = allTasks();
          for (const t of self) t.cancel();
          yield;
        },
        { backend },
      ),
    ).toThrow(CancelledError);
  });
});

describe('event loop bookkeeping', () => {
  it('getRunningLoop outside a loop throws no running event loop', () => {
    expect(() => getRunningLoop()).toThrow(EventLoopError);
    expect(() => getRunningLoop()).toThrow('no running event loop');
  });

  it('getEventLoop creates a loop once and keeps returning it', () => {
    setEventLoop(null);
    const a = getEventLoop();
    const b = getEventLoop();
    expect(a).toBe(b);
    expect(a).toBeInstanceOf(Loop);
    a.close();
    setEventLoop(null);
  });

  it('getEventLoop returns the loop given to setEventLoop, and the running loop inside', () => {
    const a = newEventLoop({ backend: 'js' });
    const b = newEventLoop({ backend: 'js' });
    setEventLoop(a);
    expect(getEventLoop()).toBe(a);
    let inside: Loop | null = null;
    b.callSoon(() => (inside = getEventLoop()));
    b.runOnce();
    expect(inside).toBe(b);
    setEventLoop(null);
    a.close();
    b.close();
  });

  it('setEventLoop rejects what is not a Loop', () => {
    expect(() => setEventLoop({} as Loop)).toThrow(TypeError);
  });

  it('newEventLoop does not make the loop current', () => {
    setEventLoop(null);
    const l = newEventLoop();
    const current = getEventLoop();
    expect(current).not.toBe(l);
    l.close();
    current.close();
    setEventLoop(null);
  });
});

describe('backend selection', () => {
  it('defaults to native when the addon loads', () => {
    const saved = process.env.AIOLOOP_BACKEND;
    delete process.env.AIOLOOP_BACKEND;
    try {
      const l = new Loop();
      expect(l.backend).toBe('native');
      l.close();
    } finally {
      if (saved !== undefined) process.env.AIOLOOP_BACKEND = saved;
    }
  });

  it('AIOLOOP_BACKEND picks the default; the option wins over it', () => {
    const saved = process.env.AIOLOOP_BACKEND;
    process.env.AIOLOOP_BACKEND = 'js';
    try {
      const a = new Loop();
      const b = new Loop({ backend: 'native' });
      expect(a.backend).toBe('js');
      expect(b.backend).toBe('native');
      a.close();
      b.close();
      process.env.AIOLOOP_BACKEND = 'wasm';
      expect(() => new Loop()).toThrow(/AIOLOOP_BACKEND must be 'native' or 'js'/);
    } finally {
      if (saved === undefined) delete process.env.AIOLOOP_BACKEND;
      else process.env.AIOLOOP_BACKEND = saved;
    }
  });

  it('an unknown backend option is a TypeError naming it', () => {
    expect(() => new Loop({ backend: 'fast' as never })).toThrow(/backend must be 'native' or 'js'/);
  });

  it('does not warn when the addon loads', () => {
    const spy = vi.spyOn(process, 'emitWarning');
    try {
      new Loop().close();
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
