import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Future,
  InvalidStateError,
  Loop,
  getEventLoop,
  setEventLoop,
  type Coroutine,
} from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

describe.each(BACKENDS)('Future (%s)', (backend) => {
  it('starts pending: done() false, result() and exception() throw InvalidStateError', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    expect(f.done()).toBe(false);
    expect(f.cancelled()).toBe(false);
    expect(() => f.result()).toThrow(InvalidStateError);
    expect(() => f.exception()).toThrow(InvalidStateError);
    expect(f.getLoop()).toBe(loop);
  });

  it('setResult makes it done with that result and no exception', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    f.setResult(42);
    expect(f.done()).toBe(true);
    expect(f.result()).toBe(42);
    expect(f.exception()).toBe(null);
  });

  it('setException makes result() throw it and exception() return it', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    const err = new RangeError('nope');
    f.setException(err);
    expect(f.done()).toBe(true);
    expect(() => f.result()).toThrow(err);
    expect(f.exception()).toBe(err);
  });

  it('a done Future refuses a second result, exception', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    f.setResult(1);
    expect(() => f.setResult(2)).toThrow(InvalidStateError);
    expect(() => f.setException(new Error())).toThrow(InvalidStateError);
    expect(f.result()).toBe(1);
  });

  it('cancel(msg) cancels once; result() throws CancelledError with msg, every time', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture();
    expect(f.cancel('stop it')).toBe(true);
    expect(f.cancel()).toBe(false);
    expect(f.cancelled()).toBe(true);
    expect(f.done()).toBe(true);
    for (let i = 0; i < 2; i++) {
      let err: unknown;
      try {
        f.result();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('stop it');
    }
    expect(() => f.exception()).toThrow(CancelledError);
  });

  it('cancel on a done Future returns false', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture();
    f.setResult(1);
    expect(f.cancel()).toBe(false);
    expect(f.cancelled()).toBe(false);
  });

  it('done callbacks are scheduled with callSoon, never run inside setResult', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    const seen: number[] = [];
    f.addDoneCallback((g) => seen.push(g.result()));
    f.setResult(7);
    expect(seen).toEqual([]);
    loop.runOnce();
    expect(seen).toEqual([7]);
  });

  it('done callbacks run in registration order, after what was already ready', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture();
    const seen: string[] = [];
    loop.callSoon(() => seen.push('before'));
    f.addDoneCallback(() => seen.push('cb1'));
    f.addDoneCallback(() => seen.push('cb2'));
    f.addDoneCallback(() => seen.push('cb3'));
    f.setResult(null);
    loop.runOnce();
    expect(seen).toEqual(['before', 'cb1', 'cb2', 'cb3']);
  });

  it('cancel and setException schedule the callbacks too', () => {
    const loop = makeLoop(backend);
    const a = loop.createFuture();
    const b = loop.createFuture();
    const seen: string[] = [];
    a.addDoneCallback((f) => seen.push(`a:${f.cancelled()}`));
    b.addDoneCallback((f) => seen.push(`b:${(f.exception() as Error).message}`));
    a.cancel();
    b.setException(new Error('e'));
    expect(seen).toEqual([]);
    loop.runOnce();
    expect(seen).toEqual(['a:true', 'b:e']);
  });

  it('a callback added to a done Future is scheduled at once', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture();
    f.setResult(1);
    const seen: string[] = [];
    loop.callSoon(() => seen.push('first'));
    f.addDoneCallback(() => seen.push('late'));
    expect(seen).toEqual([]);
    loop.runOnce();
    expect(seen).toEqual(['first', 'late']);
  });

  it('removeDoneCallback removes every registration and returns the count', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture();
    const seen: string[] = [];
    const cb = () => seen.push('cb');
    const other = () => seen.push('other');
    f.addDoneCallback(cb);
    f.addDoneCallback(other);
    f.addDoneCallback(cb);
    expect(f.removeDoneCallback(cb)).toBe(2);
    expect(f.removeDoneCallback(cb)).toBe(0);
    f.setResult(1);
    loop.runOnce();
    expect(seen).toEqual(['other']);
  });

  it('yield* fut gives the typed result inside a task', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    function* main(): Coroutine<number> {
      const x: number = yield* f;
      return x + 1;
    }
    loop.callSoon(() => f.setResult(41));
    expect(loop.runUntilComplete(main())).toBe(42);
  });

  it('yield* on a done Future does not suspend', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<string>();
    f.setResult('ready');
    const it = f[Symbol.iterator]();
    expect(it.next()).toEqual({ value: 'ready', done: true });
  });

  it('an iterator resumed before its Future is done throws', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<string>();
    const it = f[Symbol.iterator]();
    const first = it.next();
    expect(first.done).toBe(false);
    expect(first.value).toBe(f);
    expect(() => it.next()).toThrow(/before the Future it awaited was done/);
  });

  it('is a thenable: await gives the result once the loop ran the callback', async () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    const p = f.then((v) => v * 2);
    f.setResult(21);
    loop.runOnce();
    await expect(p).resolves.toBe(42);
  });

  it('is a thenable: await rejects with the exception', async () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    const p = (async () => await f)();
    // `await` calls then() from a microtask: let it register first.
    await Promise.resolve();
    f.setException(new Error('rejected'));
    loop.runOnce();
    await expect(p).rejects.toThrow('rejected');
  });

  it('defaults its loop to getEventLoop()', () => {
    const loop = makeLoop(backend);
    setEventLoop(loop);
    const f = new Future();
    expect(f.getLoop()).toBe(loop);
    expect(getEventLoop()).toBe(loop);
  });

  it('toString shows the state', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture<number>();
    expect(String(f)).toBe('<Future pending>');
    f.setResult(3);
    expect(String(f)).toBe('<Future finished result=3>');
  });
});

describe('Future with a user-written loop', () => {
  it('needs only callSoon, callExceptionHandler and getDebug', () => {
    const ready: Array<[(...a: any[]) => unknown, unknown[]]> = [];
    const loop = {
      callSoon(cb: (...a: any[]) => unknown, ...args: unknown[]) {
        ready.push([cb, args]);
      },
      callExceptionHandler() {},
      getDebug() {
        return false;
      },
    };
    const f = new Future<number>({ loop });
    const seen: number[] = [];
    f.addDoneCallback((g) => seen.push(g.result()));
    f.setResult(5);
    expect(ready).toHaveLength(1);
    for (const [cb, args] of ready.splice(0)) cb(...args);
    expect(seen).toEqual([5]);
  });

  it('rejects a loop without the minimal interface', () => {
    expect(() => new Future({ loop: {} as unknown as Loop })).toThrow(TypeError);
    expect(() => new Future({ loop: {} as unknown as Loop })).toThrow(/callSoon/);
  });
});
