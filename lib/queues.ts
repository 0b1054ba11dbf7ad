/**
 * Queues for producer/consumer tasks (asyncio.queues): Queue (FIFO),
 * LifoQueue and PriorityQueue, with asyncio 3.13's `shutdown`.
 *
 * Design
 * ------
 * Items stay in the queue until a getter takes them: `putNowait` stores the
 * item and wakes the first waiting getter, which takes an item when it runs.
 * (Handing the item straight to the getter would give a PriorityQueue's
 * getter the first item put rather than the best one put meanwhile.) So a
 * cancelled getter swallows nothing: the item it was woken for is still in
 * the queue, and it passes the wake-up on to the next getter.
 *
 * Waiters are served first come, first served. Each waiter holds a ticket
 * (its arrival number). A woken waiter can find the item gone — a
 * `getNowait` ran before it — and waits again; it goes back into the line at
 * its ticket's place, not at the end as asyncio's does, so it keeps its turn.
 * The same holds for putters of a bounded queue.
 *
 * Subclasses change only the storage (`_init/_put/_get/_qsize`), as in
 * asyncio.
 */
import { type Coroutine } from './coroutines';
import { describe } from './validate';
import { Deque } from './deque';
import { QueueEmpty, QueueFull, QueueShutDown } from './exceptions';
import type { Future } from './futures';
import { Event } from './locks';
import { LoopBound } from './mixins';

/** A task parked in `get()` or `put()`: its Future and its place in line. */
interface Waiter {
  fut: Future<void>;
  ticket: number;
}

function checkMaxsize(maxsize: unknown, what: string): number {
  if (typeof maxsize !== 'number') throw new TypeError(`${what}: maxsize must be a number, got ${describe(maxsize)}`);
  if (Number.isNaN(maxsize) || !(Number.isInteger(maxsize) || maxsize === Infinity)) {
    throw new RangeError(`${what}: maxsize must be an integer (0 or less: unbounded), got ${maxsize}`);
  }
  return maxsize;
}

/** Puts `w` back into `line` before the first waiter with a later ticket. */
function requeue(line: Deque<Waiter>, w: Waiter): void {
  let i = 0;
  while (i < line.length && line.at(i)!.ticket < w.ticket) i++;
  line.insert(i, w);
}

/** Wakes the first waiter of `line` that is not done (removing the ones passed). */
function wakeupNext(line: Deque<Waiter>): void {
  while (line.length > 0) {
    const w = line.shift()!;
    if (!w.fut.done()) {
      w.fut.setResult(undefined);
      return;
    }
  }
}

/**
 * A first-in, first-out queue (asyncio.Queue). `new Queue(maxsize?)`:
 * `maxsize` 0 or less (the default) means unbounded; otherwise `put` waits
 * while the queue holds `maxsize` items.
 */
export class Queue<T = unknown> extends LoopBound {
  /** @internal */ _maxsize: number;
  /** @internal */ _getters: Deque<Waiter> = new Deque();
  /** @internal */ _putters: Deque<Waiter> = new Deque();
  /** @internal */ _ticket = 0;
  /** @internal */ _unfinishedTasks = 0;
  /** @internal */ _allTasksDone: Event = new Event();
  /** @internal */ _isShutdown = false;

  constructor(maxsize = 0) {
    super();
    this._maxsize = checkMaxsize(maxsize, new.target.name);
    this._allTasksDone.set();
    this._init(this._maxsize);
  }

  // -- storage (overridden by LifoQueue and PriorityQueue) -------------------

  /** @internal */ _items!: Deque<T>;
  /** @internal */
  _init(_maxsize: number): void {
    this._items = new Deque();
  }
  /** @internal */
  _put(item: T): void {
    this._items.push(item);
  }
  /** @internal */
  _get(): T {
    return this._items.shift() as T;
  }
  /** @internal */
  _qsize(): number {
    return this._items.length;
  }

  // -- public API --------------------------------------------------------------

  /** The bound given to the constructor (0 or less: unbounded). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** Number of items in the queue. */
  qsize(): number {
    return this._qsize();
  }

  /** True if the queue holds no item. */
  empty(): boolean {
    return this._qsize() === 0;
  }

  /** True if the queue holds `maxsize` items (never for an unbounded queue). */
  full(): boolean {
    return this._maxsize > 0 && this._qsize() >= this._maxsize;
  }

  /**
   * Puts `item` into the queue, waiting while it is full. Throws
   * `QueueShutDown` if the queue is (or gets) shut down.
   */
  *put(item: T): Coroutine<void> {
    let me: Waiter | null = null;
    while (this.full()) {
      if (this._isShutdown) throw new QueueShutDown('Queue is shut down');
      const fut = this._newWaiter<void>();
      if (me === null) {
        me = { fut, ticket: this._ticket++ };
        this._putters.push(me);
      } else {
        me.fut = fut;
        requeue(this._putters, me);
      }
      try {
        yield* fut;
      } catch (err) {
        fut.cancel();
        this._putters.remove(me);
        // Woken for a free slot we will not use: pass it on.
        if (!this.full() && !fut.cancelled()) wakeupNext(this._putters);
        throw err;
      }
    }
    this.putNowait(item);
  }

  /**
   * Puts `item` without waiting; throws `QueueFull` if the queue is full and
   * `QueueShutDown` if it was shut down.
   */
  putNowait(item: T): void {
    if (this._isShutdown) throw new QueueShutDown('Queue is shut down');
    if (this.full()) throw new QueueFull(`Queue is full (maxsize ${this._maxsize})`);
    this._put(item);
    this._unfinishedTasks++;
    this._allTasksDone.clear();
    wakeupNext(this._getters);
  }

  /**
   * Removes and gives an item, waiting while the queue is empty. Throws
   * `QueueShutDown` if the queue is shut down and empty.
   */
  *get(): Coroutine<T> {
    let me: Waiter | null = null;
    while (this.empty()) {
      if (this._isShutdown) throw new QueueShutDown('Queue is shut down');
      const fut = this._newWaiter<void>();
      if (me === null) {
        me = { fut, ticket: this._ticket++ };
        this._getters.push(me);
      } else {
        me.fut = fut;
        requeue(this._getters, me);
      }
      try {
        yield* fut;
      } catch (err) {
        fut.cancel();
        this._getters.remove(me);
        // Woken for an item we will not take: the item is still queued,
        // wake the next getter for it.
        if (!this.empty() && !fut.cancelled()) wakeupNext(this._getters);
        throw err;
      }
    }
    return this.getNowait();
  }

  /**
   * Removes and gives an item without waiting; throws `QueueEmpty` if there
   * is none (`QueueShutDown` if the queue is also shut down).
   */
  getNowait(): T {
    if (this.empty()) {
      if (this._isShutdown) throw new QueueShutDown('Queue is shut down');
      throw new QueueEmpty('Queue is empty');
    }
    const item = this._get();
    wakeupNext(this._putters);
    return item;
  }

  /**
   * Tells the queue that an item taken with `get` was processed. When every
   * item put has been marked done, `join()` returns. Throws a RangeError if
   * called more times than items were put.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) throw new RangeError('taskDone() called too many times');
    this._unfinishedTasks--;
    if (this._unfinishedTasks === 0) this._allTasksDone.set();
  }

  /** Waits until every item put has been taken and marked done with `taskDone()`. */
  *join(): Coroutine<void> {
    if (this._unfinishedTasks > 0) yield* this._allTasksDone.wait();
  }

  /**
   * Shuts the queue down (asyncio 3.13): `put` and `putNowait` throw
   * `QueueShutDown` from now on, and so do `get` and `getNowait` once the
   * queue is empty; every task blocked in `put`/`get` wakes up to find out.
   * With `immediate`, the items left are dropped (and counted as done for
   * `join`), so getters throw at once.
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== 'boolean') {
      throw new TypeError(`shutdown: immediate must be a boolean, got ${describe(immediate)}`);
    }
    this._isShutdown = true;
    if (immediate) {
      while (!this.empty()) {
        this._get();
        if (this._unfinishedTasks > 0) this._unfinishedTasks--;
      }
      if (this._unfinishedTasks === 0) this._allTasksDone.set();
    }
    for (const line of [this._getters, this._putters]) {
      while (line.length > 0) {
        const w = line.shift()!;
        if (!w.fut.done()) w.fut.setResult(undefined);
      }
    }
  }

  override toString(): string {
    const parts = [`maxsize=${this._maxsize}`, `qsize=${this._qsize()}`];
    if (this._getters.length > 0) parts.push(`getters[${this._getters.length}]`);
    if (this._putters.length > 0) parts.push(`putters[${this._putters.length}]`);
    if (this._unfinishedTasks > 0) parts.push(`tasks=${this._unfinishedTasks}`);
    if (this._isShutdown) parts.push('shutdown');
    return `<${this.constructor.name} ${parts.join(' ')}>`;
  }
}

/** A last-in, first-out queue (asyncio.LifoQueue): `get` gives the newest item. */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal */ _stack!: T[];
  /** @internal */
  override _init(_maxsize: number): void {
    this._stack = [];
  }
  /** @internal */
  override _put(item: T): void {
    this._stack.push(item);
  }
  /** @internal */
  override _get(): T {
    return this._stack.pop() as T;
  }
  /** @internal */
  override _qsize(): number {
    return this._stack.length;
  }
}

/**
 * Orders two items: negative if `a` comes first, positive if `b` does,
 * 0 if they tie.
 */
export type CompareFn<T> = (a: T, b: T) => number;

/**
 * The default order of a PriorityQueue, like Python's `<`: numbers (and
 * bigints) by value, strings by code unit, arrays element by element (then
 * the shorter first). Anything else cannot be compared: a TypeError says to
 * pass a compare function.
 */
export function defaultCompare(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ta === 'string' && tb === 'string') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = defaultCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new TypeError(
    `PriorityQueue: cannot compare ${describe(a)} with ${describe(b)}; pass a compare function to new PriorityQueue(maxsize, compare)`,
  );
}

/**
 * A priority queue (asyncio.PriorityQueue): `get` gives the smallest item.
 * `new PriorityQueue(maxsize?, compare?)`; the default order is
 * {@link defaultCompare}, so `[priority, data]` pairs work as in Python.
 * Items that tie come out in the order they were put.
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** @internal */ _compare: CompareFn<T>;
  /** @internal Binary min-heap on (compare, seq); seq keeps ties FIFO. */
  _heap!: T[];
  /** @internal */ _seqs!: number[];
  /** @internal */ _nextSeq!: number;

  constructor(maxsize = 0, compare?: CompareFn<T>) {
    super(maxsize);
    if (compare !== undefined && typeof compare !== 'function') {
      throw new TypeError(`PriorityQueue: compare must be a function, got ${describe(compare)}`);
    }
    this._compare = compare ?? (defaultCompare as CompareFn<T>);
  }

  /** @internal */
  override _init(_maxsize: number): void {
    this._heap = [];
    this._seqs = [];
    this._nextSeq = 0;
  }

  /** @internal */
  override _qsize(): number {
    return this._heap.length;
  }

  /** @internal a before b? */
  _less(i: number, j: number): boolean {
    const c = this._compare(this._heap[i], this._heap[j]);
    return c < 0 || (!(c > 0) && this._seqs[i] < this._seqs[j]);
  }

  /** @internal */
  _swap(i: number, j: number): void {
    const h = this._heap;
    const s = this._seqs;
    const t = h[i];
    h[i] = h[j];
    h[j] = t;
    const u = s[i];
    s[i] = s[j];
    s[j] = u;
  }

  /**
   * @internal Sifts the new item up by swaps (not a hole), so that a compare
   * function that throws leaves every item in place: the swaps are undone and
   * the item is taken out again before the error propagates.
   */
  override _put(item: T): void {
    const h = this._heap;
    let i = h.length;
    h.push(item);
    this._seqs.push(this._nextSeq++);
    const path: number[] = [];
    try {
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this._less(i, p)) break;
        this._swap(i, p);
        path.push(i);
        i = p;
      }
    } catch (err) {
      for (let k = path.length - 1; k >= 0; k--) this._swap(path[k], (path[k] - 1) >> 1);
      h.pop();
      this._seqs.pop();
      throw err;
    }
  }

  /**
   * @internal Swap-based sift-down; if the compare function throws, the swaps
   * are undone and the top item put back, so the queue is as it was.
   */
  override _get(): T {
    const h = this._heap;
    const s = this._seqs;
    const top = h[0];
    const topSeq = s[0];
    const n = h.length - 1;
    if (n === 0) {
      h.pop();
      s.pop();
      return top;
    }
    h[0] = h.pop() as T;
    s[0] = s.pop() as number;
    const path: number[] = [];
    try {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this._less(r, l) ? r : l;
        if (!this._less(c, i)) break;
        this._swap(c, i);
        path.push(c);
        i = c;
      }
    } catch (err) {
      for (let k = path.length - 1; k >= 0; k--) this._swap(path[k], (path[k] - 1) >> 1);
      h.push(h[0]);
      s.push(s[0]);
      h[0] = top;
      s[0] = topSeq;
      throw err;
    }
    return top;
  }
}
