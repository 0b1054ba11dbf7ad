import { describe, expect, it } from 'vitest';
import {
  allTasks,
  CancelledError,
  currentTask,
  eagerTaskFactory,
  sleep,
  Task,
  type Coroutine,
  type Loop,
  type TaskFactory,
} from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

function runMain<T>(loop: Loop, main: () => Coroutine<T>): T {
  return loop.runUntilComplete(loop.createTask(main()));
}

describe.each(BACKENDS)('task factories (%s)', (backend) => {
  it('sets, gets and clears the factory', () => {
    const loop = makeLoop(backend);
    expect(loop.getTaskFactory()).toBeNull();
    loop.setTaskFactory(eagerTaskFactory);
    expect(loop.getTaskFactory()).toBe(eagerTaskFactory);
    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBeNull();
    expect(() => loop.setTaskFactory('eager' as never)).toThrow(/factory must be a function or null/);
  });

  it('calls the factory with (loop, coro, { name }) and gives what it returns', () => {
    const loop = makeLoop(backend);
    const calls: unknown[][] = [];
    const factory: TaskFactory = (l, coro, opts) => {
      calls.push([l, opts]);
      return new Task(coro, { loop: l, name: `custom-${opts.name}` });
    };
    loop.setTaskFactory(factory);
    const coro = (function* () {
      return 1;
    })();
    const t = loop.createTask(coro, { name: 'x' });
    expect(calls).toEqual([[loop, { name: 'x' }]]);
    expect(t.getName()).toBe('custom-x');
    expect(t.getCoro()).toBe(coro);
    expect(loop.runUntilComplete(t)).toBe(1);
  });
});

describe.each(BACKENDS)('eagerTaskFactory (%s)', (backend) => {
  const eagerLoop = () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    loop.setTaskFactory(eagerTaskFactory);
    return loop;
  };

  it('gives a task that is already done when the coroutine does not suspend', () => {
    const loop = eagerLoop();
    runMain(loop, function* () {
      const ready = loop._core.readyCount();
      const t = loop.createTask((function* () {
        return 42;
      })());
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(42);
      expect(loop._core.readyCount()).toBe(ready);
      yield;
    });
  });

  it('runs the first step before the code after createTask', () => {
    const loop = eagerLoop();
    const log: string[] = [];
    runMain(loop, function* () {
      const t = loop.createTask(
        (function* () {
          log.push('task step 1');
          yield;
          log.push('task step 2');
        })(),
      );
      log.push('after createTask');
      yield* t;
    });
    expect(log).toEqual(['task step 1', 'after createTask', 'task step 2']);
  });

  it('schedules the first step as usual without the factory', () => {
    const loop = makeLoop(backend);
    const log: string[] = [];
    runMain(loop, function* () {
      const t = loop.createTask(
        (function* () {
          log.push('task step 1');
        })(),
      );
      log.push('after createTask');
      yield* t;
    });
    expect(log).toEqual(['after createTask', 'task step 1']);
  });

  it('goes on as a normal task after its first suspension', () => {
    const loop = eagerLoop();
    const r = runMain(loop, function* () {
      const t = loop.createTask(
        (function* () {
          yield* sleep(1);
          return 'slept';
        })(),
      );
      expect(t.done()).toBe(false);
      expect(allTasks().has(t)).toBe(true);
      return [yield* t, loop.time()];
    });
    expect(r).toEqual(['slept', 1]);
  });

  it('is the current task during its eager step, and the caller is current again after', () => {
    const loop = eagerLoop();
    runMain(loop, function* () {
      const me = currentTask();
      let inside: unknown = null;
      const t = loop.createTask(
        (function* () {
          inside = currentTask();
        })(),
      );
      expect(inside).toBe(t);
      expect(currentTask()).toBe(me);
      yield;
    });
  });

  it('restores the current task through nested eager tasks', () => {
    const loop = eagerLoop();
    const seen: string[] = [];
    const main = (function* () {
      loop.createTask(
        (function* () {
          loop.createTask(
            (function* () {
              seen.push(currentTask()!.getName());
            })(),
            { name: 'inner' },
          );
          seen.push(currentTask()!.getName());
        })(),
        { name: 'outer' },
      );
      seen.push(currentTask()!.getName());
      yield;
    })();
    loop.runUntilComplete(new Task(main, { loop, name: 'main' }));
    expect(seen).toEqual(['inner', 'outer', 'main']);
  });

  it('keeps an error of the eager step in the task, not in the caller', () => {
    const loop = eagerLoop();
    const boom = new Error('boom');
    runMain(loop, function* () {
      const t = loop.createTask((function* (): Coroutine<never> {
        throw boom;
      })());
      expect(t.done()).toBe(true);
      expect(t.exception()).toBe(boom);
      yield;
    });
  });

  it('leaves an eagerly finished task out of allTasks', () => {
    const loop = eagerLoop();
    runMain(loop, function* () {
      const t = loop.createTask((function* () {})());
      expect(allTasks().has(t)).toBe(false);
      yield;
    });
  });

  it('can be cancelled after it suspended', () => {
    const loop = eagerLoop();
    const r = runMain(loop, function* () {
      const t = loop.createTask(sleep(10));
      t.cancel();
      try {
        yield* t;
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(r).toBeInstanceOf(CancelledError);
  });

  it('starts tasks normally when the loop is not running', () => {
    const loop = eagerLoop();
    const t = loop.createTask((function* () {
      return 1;
    })());
    expect(t.done()).toBe(false);
    expect(loop.runUntilComplete(t)).toBe(1);
  });

  it('rejects a non-boolean eagerStart', () => {
    const loop = makeLoop(backend);
    expect(() => new Task((function* () {})(), { loop, eagerStart: 1 as never })).toThrow(
      /Task: eagerStart must be a boolean, got 1/,
    );
  });
});
