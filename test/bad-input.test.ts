import { describe, expect, it } from 'vitest';
import { Future, Loop, Task, ensureFuture, run, sleep, type Coroutine } from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

const NOT_FUNCTIONS: unknown[] = [undefined, null, 1, 'f', {}, [], true, Symbol('x')];
const NOT_NUMBERS: unknown[] = [undefined, null, '1', {}, [], true, () => 1, 1n];

describe.each(BACKENDS)('bad input (%s)', (backend) => {
  it('callSoon rejects a callback that is not a function, naming it', () => {
    const loop = makeLoop(backend);
    for (const bad of NOT_FUNCTIONS) {
      expect(() => loop.callSoon(bad as never)).toThrow(TypeError);
      expect(() => loop.callSoon(bad as never)).toThrow(/callback must be a function/);
    }
  });

  it('callLater rejects a delay that is not a number (TypeError) or NaN (RangeError)', () => {
    const loop = makeLoop(backend);
    for (const bad of NOT_NUMBERS) {
      expect(() => loop.callLater(bad as never, () => {})).toThrow(TypeError);
      expect(() => loop.callLater(bad as never, () => {})).toThrow(/delay must be a number/);
    }
    expect(() => loop.callLater(NaN, () => {})).toThrow(RangeError);
    expect(() => loop.callLater(NaN, () => {})).toThrow(/delay must not be NaN/);
    expect(() => loop.callLater(1, 'x' as never)).toThrow(/callback must be a function/);
  });

  it('callAt rejects a when that is not a number or NaN', () => {
    const loop = makeLoop(backend);
    for (const bad of NOT_NUMBERS) expect(() => loop.callAt(bad as never, () => {})).toThrow(/when must be a number/);
    expect(() => loop.callAt(NaN, () => {})).toThrow(RangeError);
    expect(() => loop.callAt(NaN, () => {})).toThrow(/when/);
  });

  it('a rejected call schedules nothing and the loop still works', () => {
    const loop = makeLoop(backend);
    const seen: number[] = [];
    try {
      loop.callLater(NaN, () => seen.push(-1));
    } catch {
      // expected
    }
    loop.callSoon(() => seen.push(1));
    loop.runOnce();
    expect(seen).toEqual([1]);
  });

  it('Loop options are checked', () => {
    expect(() => new Loop(5 as never)).toThrow(TypeError);
    expect(() => new Loop({ clock: 'sundial' as never })).toThrow(/clock must be 'monotonic' or 'virtual'/);
    expect(() => new Loop({ debug: 'yes' as never })).toThrow(/debug must be a boolean/);
    expect(() => new Loop({ backend: 3 as never })).toThrow(/backend/);
  });

  it('loop setters check their argument', () => {
    const loop = makeLoop(backend);
    expect(() => loop.setExceptionHandler(5 as never)).toThrow(/handler must be a function or null/);
    expect(() => loop.setTaskFactory('f' as never)).toThrow(/factory must be a function or null/);
    expect(() => loop.setDebug(1 as never)).toThrow(/enabled must be a boolean/);
    expect(() => loop.callExceptionHandler(null as never)).toThrow(/context must be an object/);
  });

  it('createTask and new Task reject what is not a coroutine', () => {
    const loop = makeLoop(backend);
    function* gen() {}
    for (const bad of [undefined, null, 1, {}, gen, () => 1, Promise.resolve(1), [1]]) {
      expect(() => loop.createTask(bad as never)).toThrow(TypeError);
      expect(() => loop.createTask(bad as never)).toThrow(/coroutine/);
      expect(() => new Task(bad as never, { loop })).toThrow(TypeError);
    }
    expect(() => loop.createTask(gen(), 'name' as never)).toThrow(/options must be an object/);
    expect(() => new Task(gen(), { loop, name: 5 as never })).toThrow(/name must be a string/);
    loop.runOnce();
  });

  it('Future methods check their arguments', () => {
    const loop = makeLoop(backend);
    const f = loop.createFuture();
    expect(() => f.addDoneCallback(3 as never)).toThrow(/callback must be a function/);
    expect(() => f.cancel(5 as never)).toThrow(/msg must be a string/);
    expect(() => f.setException(undefined)).toThrow(TypeError);
    expect(() => new Future({ loop: 5 as never })).toThrow(TypeError);
    expect(() => new Future(7 as never)).toThrow(/options must be an object/);
    expect(f.done()).toBe(false);
  });

  it('Task methods check their arguments', () => {
    const loop = makeLoop(backend);
    const t = loop.createTask((function* () {})());
    expect(() => t.setName(5 as never)).toThrow(/name must be a string/);
    expect(() => t.cancel({} as never)).toThrow(/msg must be a string/);
    loop.runOnce();
  });

  it('ensureFuture and run reject non-awaitables', () => {
    const loop = makeLoop(backend);
    expect(() => ensureFuture(5 as never, { loop })).toThrow(/a Future, a coroutine or a promise is required/);
    expect(() => ensureFuture(loop.createFuture(), 5 as never)).toThrow(/options must be an object/);
    expect(() => run(null as never, { backend })).toThrow(/coroutine/);
  });

  it('sleep rejects a delay that is not a number', () => {
    const loop = makeLoop(backend);
    function* main(): Coroutine<void> {
      yield* sleep({} as never);
    }
    expect(() => loop.runUntilComplete(main())).toThrow(/delay must be a number/);
  });
});
