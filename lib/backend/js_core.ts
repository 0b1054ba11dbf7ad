/**
 * The pure-TypeScript core: the fallback where the addon cannot load, the twin
 * every test runs against, and the honest baseline of every benchmark — so it
 * is tuned as carefully as the native one, within asyncio's own design: the
 * ready queue and the heap hold Handle objects.
 *
 *   ready  ring of Handle objects, power-of-two capacity, head + count,
 *          vacated slots set to undefined so the GC can reclaim them
 *   heap   binary min-heap of TimerHandles ordered by (_when, _seq), with the
 *          heap index kept in handle._slot so cancel removes in O(log n)
 *
 * Cancelled timers leave the heap at once (asyncio compacts lazily; eager
 * removal keeps the heap exactly the live timers). Cancelled ready handles
 * stay in the ring and are skipped (their `_callback` is cleared).
 */
import { CallbackHandle, CallbackTimerHandle, type Handle, type AbstractLoop } from '../events';

/** A ready-queue entry of this core. */
type Entry = CallbackHandle | CallbackTimerHandle;
import { monotonic, sleepSeconds } from './clock';
import type { Callback, ClockName, LoopCore, TimerToken } from './core';
import { CLOCK_RESOLUTION, READY_INITIAL_CAPACITY } from './layout';

/** A ring of n empty places (filled by index: the fastest way measured). */
function makeRing(capacity: number): (Entry | undefined)[] {
  const ring: (Entry | undefined)[] = new Array(capacity);
  for (let i = 0; i < capacity; i++) ring[i] = undefined;
  return ring;
}

function earlier(a: CallbackTimerHandle, b: CallbackTimerHandle): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

const NONE: readonly unknown[] = Object.freeze([]);

/**
 * `_slot` of an entry `next()` has taken: it has run (or is running), so
 * cancelling it now cancels nothing (loop.stats() counts only real
 * cancellations). Any negative `_slot` means "not in the heap" to `cancel`.
 */
const TAKEN = -2;

export class JsCore implements LoopCore {
  readonly backend = 'js' as const;
  readonly clock: ClockName;
  args: readonly unknown[] | null;
  arg0: unknown;
  private readonly _loop: AbstractLoop;
  private _ring: (Entry | undefined)[];
  private _mask: number;
  private _head: number;
  private _count: number;
  private _heap: CallbackTimerHandle[];
  private _seq: number;
  private readonly _virtual: boolean;
  private _vnow: number;
  private _current: Entry | null;

  constructor(loop: AbstractLoop, clock: ClockName) {
    this._loop = loop;
    this.clock = clock;
    this._virtual = clock === 'virtual';
    this._vnow = 0;
    this._ring = makeRing(READY_INITIAL_CAPACITY);
    this._mask = READY_INITIAL_CAPACITY - 1;
    this._head = 0;
    this._count = 0;
    this._heap = [];
    this._seq = 0;
    this.args = NONE;
    this.arg0 = undefined;
    this._current = null;
  }

  time(): number {
    return this._virtual ? this._vnow : monotonic();
  }

  soon(callback: Callback, args: readonly unknown[]): Handle {
    const h = new CallbackHandle(callback, args, this._loop);
    this._push(h);
    return h;
  }

  soonQuiet(callback: Callback, args: readonly unknown[]): void {
    this._push(new CallbackHandle(callback, args, this._loop));
  }

  soonQuiet1(callback: Callback, arg: unknown): void {
    this._push(new CallbackHandle(callback, [arg], this._loop));
  }

  at(when: number, callback: Callback, args: readonly unknown[]): CallbackTimerHandle {
    const h = new CallbackTimerHandle(when, callback, args, this._loop);
    h._seq = this._seq++;
    const heap = this._heap;
    heap.push(h);
    this._siftUp(heap.length - 1, h);
    return h;
  }

  atQuiet1(when: number, callback: Callback, arg: unknown): CallbackTimerHandle {
    return this.at(when, callback, [arg]);
  }

  whenOf(token: TimerToken): number {
    return (token as CallbackTimerHandle)._when;
  }

  cancelQuiet(token: TimerToken): void {
    const h = token as CallbackTimerHandle;
    h._cancelled = true;
    this.cancel(h);
  }

  cancel(handle: Handle): void {
    const h = handle as Entry;
    // Let go of the callback at once; an entry still in the ring is skipped.
    h._callback = undefined;
    h._args = undefined;
    // Only a timer still in the heap has a slot here (its heap index).
    const i = h._slot;
    const heap = this._heap;
    if (i < 0 || heap[i] !== h) return;
    h._slot = -1;
    const last = heap.pop()!;
    if (i < heap.length) {
      if (i > 0 && earlier(last, heap[(i - 1) >> 1])) this._siftUp(i, last);
      else this._siftDown(i, last);
    }
  }

  callbackOf(handle: Handle): Callback | undefined {
    return handle._slot === TAKEN ? undefined : (handle as Entry)._callback;
  }

  next(): Callback | undefined {
    const head = this._head;
    const h = this._ring[head]!;
    this._ring[head] = undefined;
    this._head = (head + 1) & this._mask;
    this._count--;
    this._current = h;
    h._slot = TAKEN;
    this.args = h._args!;
    return h._callback;
  }

  currentHandle(): Handle {
    return this._current!;
  }

  readyCount(): number {
    return this._count;
  }

  nextWhen(): number {
    return this._heap.length === 0 ? Infinity : this._heap[0]._when;
  }

  dueWhen(before: number): number {
    return (this._ring[(this._head + before) & this._mask] as CallbackTimerHandle)._when;
  }

  collect(maxWait: number): number {
    const heap = this._heap;
    if (heap.length === 0) return this._count;
    let now = this.time();
    if (this._count === 0 && maxWait > 0) {
      const target = heap[0]._when;
      if (this._virtual) {
        if (target > now && target !== Infinity) now = this._vnow = target;
      } else {
        const deadline = target < now + maxWait ? target : now + maxWait;
        if (deadline > now && deadline !== Infinity) now += sleepSeconds(deadline - now);
      }
    }
    if (this._virtual) {
      while (heap.length > 0 && heap[0]._when <= now) this._push(this._popTimer());
    } else {
      const end = now + CLOCK_RESOLUTION;
      while (heap.length > 0 && heap[0]._when < end) this._push(this._popTimer());
    }
    return this._count;
  }

  close(): void {
    for (const t of this._heap) t._slot = -1;
    this._heap = [];
    this._ring = makeRing(2);
    this._mask = 1;
    this._head = 0;
    this._count = 0;
    this._current = null;
    this.args = NONE;
  }

  private _push(h: Entry): void {
    if (this._count > this._mask) this._grow();
    this._ring[(this._head + this._count) & this._mask] = h;
    this._count++;
  }

  private _popTimer(): CallbackTimerHandle {
    const heap = this._heap;
    const top = heap[0];
    top._slot = -1;
    const last = heap.pop()!;
    if (heap.length > 0) this._siftDown(0, last);
    return top;
  }

  private _siftUp(hole: number, h: CallbackTimerHandle): void {
    const heap = this._heap;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const p = heap[parent];
      if (!earlier(h, p)) break;
      heap[hole] = p;
      p._slot = hole;
      hole = parent;
    }
    heap[hole] = h;
    h._slot = hole;
  }

  private _siftDown(hole: number, h: CallbackTimerHandle): void {
    const heap = this._heap;
    const n = heap.length;
    for (;;) {
      let child = 2 * hole + 1;
      if (child >= n) break;
      if (child + 1 < n && earlier(heap[child + 1], heap[child])) child++;
      const c = heap[child];
      if (!earlier(c, h)) break;
      heap[hole] = c;
      c._slot = hole;
      hole = child;
    }
    heap[hole] = h;
    h._slot = hole;
  }

  private _grow(): void {
    const old = this._ring;
    const cap = old.length;
    if (this._head === 0) {
      // Not wrapped (a burst filling the ring from its start): lengthen it in
      // place, as the native core's ring does, instead of copying it.
      old.length = cap * 2;
      this._mask = cap * 2 - 1;
      return;
    }
    const ring = makeRing(cap * 2);
    for (let i = 0; i < this._count; i++) ring[i] = old[(this._head + i) & this._mask];
    this._ring = ring;
    this._mask = cap * 2 - 1;
    this._head = 0;
  }
}
