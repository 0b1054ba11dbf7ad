import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  EventLoopError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  sleep,
  TimeoutError,
  waitFor,
  type Coroutine,
  type Loop,
} from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

function runMain<T>(loop: Loop, main: () => Coroutine<T>): T {
  return loop.runUntilComplete(loop.createTask(main()));
}

describe('Queue without a loop', () => {
  it('reports size, emptiness and fullness', () => {
    const q = new Queue<number>(2);
    expect(q.maxsize).toBe(2);
    expect(q.empty()).toBe(true);
    q.putNowait(1);
    expect(q.full()).toBe(false);
    q.putNowait(2);
    expect(q.full()).toBe(true);
    expect(q.qsize()).toBe(2);
    expect(() => q.putNowait(3)).toThrow(QueueFull);
    expect(q.getNowait()).toBe(1);
    expect(q.getNowait()).toBe(2);
    expect(() => q.getNowait()).toThrow(QueueEmpty);
  });

  it('is never full when unbounded (maxsize 0 or less)', () => {
    for (const q of [new Queue(), new Queue(-1)]) {
      for (let i = 0; i < 100; i++) q.putNowait(i);
      expect(q.full()).toBe(false);
    }
  });

  it('keeps maxsize read-only', () => {
    const q = new Queue(3);
    expect(() => {
      (q as { maxsize: number }).maxsize = 5;
    }).toThrow(TypeError);
    expect(q.maxsize).toBe(3);
  });

  it('gives FIFO, LIFO and priority order', () => {
    const fifo = new Queue<number>();
    const lifo = new LifoQueue<number>();
    const prio = new PriorityQueue<number>();
    for (const q of [fifo, lifo, prio]) for (const x of [3, 1, 2]) q.putNowait(x);
    const drain = (q: Queue<number>) => [q.getNowait(), q.getNowait(), q.getNowait()];
    expect(drain(fifo)).toEqual([3, 1, 2]);
    expect(drain(lifo)).toEqual([2, 1, 3]);
    expect(drain(prio)).toEqual([1, 2, 3]);
  });

  it('orders [priority, data] pairs element by element, ties in put order', () => {
    const q = new PriorityQueue<[number, string]>();
    const items: [number, string][] = [[2, 'b'], [1, 'z'], [2, 'a'], [1, 'y']];
    for (const it of items) q.putNowait(it);
    const out = [];
    while (!q.empty()) out.push(q.getNowait());
    expect(out).toEqual([[1, 'y'], [1, 'z'], [2, 'a'], [2, 'b']]);
  });

  it('keeps equal items in the order they were put', () => {
    const q = new PriorityQueue<{ p: number; id: number }>(0, (a, b) => a.p - b.p);
    for (let id = 0; id < 20; id++) q.putNowait({ p: id % 2, id });
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait().id);
    expect(out).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });

  it('uses a compare function', () => {
    const q = new PriorityQueue<string>(0, (a, b) => b.length - a.length);
    for (const s of ['a', 'ccc', 'bb']) q.putNowait(s);
    expect([q.getNowait(), q.getNowait(), q.getNowait()]).toEqual(['ccc', 'bb', 'a']);
  });

  it('refuses an item it cannot compare and stays intact', () => {
    const q = new PriorityQueue<unknown>();
    for (const x of [5, 3, 8, 1]) q.putNowait(x);
    expect(() => q.putNowait('x')).toThrow(/cannot compare .* pass a compare function/);
    expect(q.qsize()).toBe(4);
    expect([q.getNowait(), q.getNowait(), q.getNowait(), q.getNowait()]).toEqual([1, 3, 5, 8]);
  });

  it('loses no item when the compare function throws while taking one', () => {
    let armed = false;
    const q = new PriorityQueue<number>(0, (a, b) => {
      if (armed) throw new Error('compare failed');
      return a - b;
    });
    for (const x of [4, 2, 6, 1, 5]) q.putNowait(x);
    armed = true;
    expect(() => q.getNowait()).toThrow('compare failed');
    armed = false;
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait());
    expect(out).toEqual([1, 2, 4, 5, 6]);
  });

  it('counts taskDone and refuses too many', () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    expect(() => q.taskDone()).toThrow(RangeError);
  });

  it('rejects a bad maxsize, compare or immediate flag', () => {
    expect(() => new Queue('3' as never)).toThrow(/Queue: maxsize must be a number, got "3"/);
    expect(() => new Queue(NaN)).toThrow(RangeError);
    expect(() => new LifoQueue(1.5)).toThrow(/LifoQueue: maxsize must be an integer/);
    expect(() => new PriorityQueue(0, 'cmp' as never)).toThrow(/compare must be a function/);
    expect(() => new Queue().shutdown('yes' as never)).toThrow(/immediate must be a boolean/);
  });
});

describe.each(BACKENDS)('Queue (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('blocks get until an item is put', () => {
    const loop = vloop();
    const q = new Queue<string>();
    const r = runMain(loop, function* () {
      loop.callLater(1, () => q.putNowait('item'));
      const item = yield* q.get();
      return { item, t: loop.time() };
    });
    expect(r).toEqual({ item: 'item', t: 1 });
  });

  it('blocks put while full until a get makes room', () => {
    const loop = vloop();
    const q = new Queue<number>(1);
    const r = runMain(loop, function* () {
      q.putNowait(1);
      loop.callLater(1, () => q.getNowait());
      yield* q.put(2);
      return { t: loop.time(), size: q.qsize(), item: q.getNowait() };
    });
    expect(r).toEqual({ t: 1, size: 1, item: 2 });
  });

  it('serves waiting getters first come, first served', () => {
    const loop = vloop();
    const q = new Queue<number>();
    const got: string[] = [];
    runMain(loop, function* () {
      const ts = ['a', 'b', 'c'].map((name) =>
        loop.createTask(
          (function* () {
            got.push(`${name}:${yield* q.get()}`);
          })(),
        ),
      );
      yield* sleep(0.1);
      for (const x of [1, 2, 3]) q.putNowait(x);
      for (const t of ts) yield* t;
    });
    expect(got).toEqual(['a:1', 'b:2', 'c:3']);
  });

  it('serves waiting putters first come, first served', () => {
    const loop = vloop();
    const q = new Queue<string>(1);
    const out: string[] = [];
    runMain(loop, function* () {
      q.putNowait('first');
      const ts = ['a', 'b', 'c'].map((name) => loop.createTask(q.put(name)));
      yield* sleep(0.1);
      for (let i = 0; i < 4; i++) out.push(yield* q.get());
      for (const t of ts) yield* t;
    });
    expect(out).toEqual(['first', 'a', 'b', 'c']);
  });

  it('keeps the turn of a woken getter whose item was taken by getNowait', () => {
    const loop = vloop();
    const q = new Queue<string>();
    const got: string[] = [];
    runMain(loop, function* () {
      const getter = (name: string) =>
        loop.createTask(
          (function* () {
            got.push(`${name}:${yield* q.get()}`);
          })(),
        );
      const first = getter('first');
      const second = getter('second');
      yield* sleep(0.1);
      q.putNowait('x'); // wakes `first`...
      got.push(`stolen:${q.getNowait()}`); // ...but the item is taken before it runs
      yield* sleep(0.1);
      q.putNowait('y');
      yield* sleep(0.1);
      q.putNowait('z');
      yield* first;
      yield* second;
    });
    expect(got).toEqual(['stolen:x', 'first:y', 'second:z']);
  });

  it('does not lose the item a cancelled getter was woken for', () => {
    const loop = vloop();
    const q = new Queue<number>();
    const r = runMain(loop, function* () {
      const reader = loop.createTask(q.get());
      yield* sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        yield* reader;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      return yield* q.get();
    });
    expect(r).toBe(1);
  });

  it('passes the wake-up of a cancelled getter to the next getter', () => {
    const loop = vloop();
    const q = new Queue<string>();
    const r = runMain(loop, function* () {
      const g1 = loop.createTask(q.get());
      const g2 = loop.createTask(q.get());
      yield* sleep(0.1);
      q.putNowait('a'); // wakes g1
      g1.cancel(); // g1 will not take it
      return yield* g2;
    });
    expect(r).toBe('a');
  });

  it('drops a getter cancelled while waiting from its waiters', () => {
    const loop = vloop();
    const q = new Queue<number>();
    runMain(loop, function* () {
      const g = loop.createTask(q.get());
      yield* sleep(0.1);
      expect(q._getters.length).toBe(1);
      g.cancel();
      yield* sleep(0.1);
      expect(g.cancelled()).toBe(true);
      expect(q._getters.length).toBe(0);
      q.putNowait(1);
      expect(q.qsize()).toBe(1);
    });
  });

  it('times out a get with waitFor and keeps later items', () => {
    const loop = vloop();
    const q = new Queue<number>();
    const r = runMain(loop, function* () {
      let timedOut = false;
      try {
        yield* waitFor(q.get(), 0.5);
      } catch (e) {
        timedOut = e instanceof TimeoutError;
      }
      q.putNowait(7);
      return { timedOut, item: yield* q.get() };
    });
    expect(r).toEqual({ timedOut: true, item: 7 });
  });

  it('does not lose the slot a cancelled putter was woken for', () => {
    const loop = vloop();
    const q = new Queue<string>(1);
    const r = runMain(loop, function* () {
      q.putNowait('a');
      const p1 = loop.createTask(q.put('b'));
      const p2 = loop.createTask(q.put('c'));
      yield* sleep(0.1);
      q.getNowait(); // frees the slot, wakes p1
      p1.cancel();
      yield* p2;
      return [q.getNowait(), p1.cancelled()];
    });
    expect(r).toEqual(['c', true]);
  });

  it('join waits until every item is marked done', () => {
    const loop = vloop();
    const q = new Queue<number>();
    const r = runMain(loop, function* () {
      for (let i = 0; i < 3; i++) q.putNowait(i);
      const worker = loop.createTask(
        (function* () {
          for (;;) {
            yield* q.get();
            yield* sleep(1);
            q.taskDone();
          }
        })(),
      );
      yield* q.join();
      worker.cancel();
      return loop.time();
    });
    expect(r).toBe(3);
  });

  it('survives the cancellation of a task blocked in join', () => {
    const loop = vloop();
    const q = new Queue<number>();
    runMain(loop, function* () {
      q.putNowait(1);
      const j1 = loop.createTask(q.join());
      yield* sleep(0.1);
      j1.cancel();
      yield* sleep(0.1);
      expect(j1.cancelled()).toBe(true);
      const j2 = loop.createTask(q.join());
      q.getNowait();
      q.taskDone();
      yield* j2;
    });
  });

  it('join returns at once on an empty queue', () => {
    const loop = vloop();
    runMain(loop, function* () {
      yield* new Queue().join();
    });
    expect(loop.time()).toBe(0);
  });

  it('shutdown wakes blocked getters with QueueShutDown and refuses puts', () => {
    const loop = vloop();
    const q = new Queue<number>();
    const r = runMain(loop, function* () {
      const g = loop.createTask(q.get());
      yield* sleep(0.1);
      q.shutdown();
      let err: unknown = null;
      try {
        yield* g;
      } catch (e) {
        err = e;
      }
      return { err, putErr: (() => { try { q.putNowait(1); } catch (e) { return e; } return null; })() };
    });
    expect(r.err).toBeInstanceOf(QueueShutDown);
    expect(r.putErr).toBeInstanceOf(QueueShutDown);
  });

  it('shutdown lets getters drain what is left, then throws', () => {
    const loop = vloop();
    const q = new Queue<number>();
    const r = runMain(loop, function* () {
      q.putNowait(1);
      q.putNowait(2);
      q.shutdown();
      const out: unknown[] = [yield* q.get(), q.getNowait()];
      try {
        yield* q.get();
      } catch (e) {
        out.push(e);
      }
      return out;
    });
    expect(r.slice(0, 2)).toEqual([1, 2]);
    expect(r[2]).toBeInstanceOf(QueueShutDown);
  });

  it('shutdown wakes blocked putters with QueueShutDown', () => {
    const loop = vloop();
    const q = new Queue<number>(1);
    const err = runMain(loop, function* () {
      q.putNowait(1);
      const p = loop.createTask(q.put(2));
      yield* sleep(0.1);
      q.shutdown();
      try {
        yield* p;
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(err).toBeInstanceOf(QueueShutDown);
  });

  it('shutdown(true) drops the items and releases join', () => {
    const loop = vloop();
    const q = new Queue<number>();
    const r = runMain(loop, function* () {
      q.putNowait(1);
      q.putNowait(2);
      const joiner = loop.createTask(q.join());
      yield* sleep(0.1);
      q.shutdown(true);
      yield* joiner;
      let err: unknown = null;
      try {
        q.getNowait();
      } catch (e) {
        err = e;
      }
      return { size: q.qsize(), err };
    });
    expect(r.size).toBe(0);
    expect(r.err).toBeInstanceOf(QueueShutDown);
  });

  it('gives the best item put meanwhile to a waiting PriorityQueue getter', () => {
    const loop = vloop();
    const q = new PriorityQueue<number>();
    const r = runMain(loop, function* () {
      const g = loop.createTask(q.get());
      yield* sleep(0.1);
      q.putNowait(5);
      q.putNowait(1);
      return yield* g;
    });
    expect(r).toBe(1);
  });

  it('is bound to the first loop it waits on', () => {
    const q = new Queue<number>();
    runMain(vloop(), function* () {
      const g = createGetter(q);
      yield* sleep(0.1);
      q.putNowait(1);
      yield* g;
    });
    const other = vloop();
    expect(() => runMain(other, () => q.get())).toThrow(EventLoopError);
  });
});

function createGetter<T>(q: Queue<T>) {
  return (function* () {
    return yield* q.get();
  })();
}
