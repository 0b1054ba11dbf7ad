/**
 * LocalTimers: the native wrapper's own small timer heap, for the shapes
 * where a crossing per iteration costs more than the heap work it buys.
 *
 * A program with a handful of pending timers — one chain of callLater, a
 * queue simulation with one server, a tick loop — needs a crossing into C++
 * on nearly every iteration (the next timer is the one just added, so it is
 * never among the published ones), and the crossing (~130 ns) is worth more
 * than pushing and popping a heap of a few entries in JIT code. So while C++
 * holds no live timer and at most LOCAL_TIMER_LIMIT are pending, the wrapper
 * keeps them here and never crosses; the moment one more is added, all of
 * them move to C++ as ordinary add commands (in scheduling order, so C++
 * gives them sequence numbers in the same order and ties stay FIFO), and
 * the wrapper stays with C++ until its heap is empty again.
 *
 * A local timer is one object, as in the js core (asyncio's design): the
 * CallbackTimerHandle that `callLater` returns holds its callback, arguments
 * and deadline, and is itself the heap entry, ordered by (`_when`, `_seq`),
 * with its heap index in `_slot` so that cancel removes it in O(log n).
 * Its `_gen` says it is local (LOCAL, or LOCAL1 when `_args` is the one
 * argument of an `atQuiet1` timer, kept as is). The slot table is not
 * touched: for a few timers it was the larger part of the work (measured on
 * W10 with one chain: the slot-table version ran 0.82x the js core, this
 * one matches it).
 */
import type { CallbackTimerHandle } from '../events';

/**
 * Most pending timers kept in the wrapper. Measured on the W10 chains (one
 * callLater per callback, virtual clock): at 10 chains the JS heap is still
 * ahead of a crossing per iteration, at 100 C++ is (its sorted runs and
 * staging take many timers per crossing), so the switch sits between.
 */
export const LOCAL_TIMER_LIMIT = 128;

/** `_gen` of a local timer whose `_args` is an arguments array. */
export const LOCAL = -2;
/** `_gen` of a local timer whose `_args` is its one argument, as is (atQuiet1). */
export const LOCAL1 = -3;

/** `_slot` of a local timer that left the heap (it came due, or the heap was cleared). */
const OUT = -1;

function earlier(a: CallbackTimerHandle, b: CallbackTimerHandle): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

export class LocalTimers {
  /** The heap (made at the first timer: an idle loop holds none, W13). */
  private _heap: CallbackTimerHandle[] | null = null;
  private _seq = 0;

  /** Timers in the heap. */
  size(): number {
    return this._heap === null ? 0 : this._heap.length;
  }

  /** True when one more timer fits. */
  hasRoom(): boolean {
    return this._heap === null || this._heap.length < LOCAL_TIMER_LIMIT;
  }

  /** The earliest deadline, or Infinity. */
  head(): number {
    const heap = this._heap;
    return heap === null || heap.length === 0 ? Infinity : heap[0]._when;
  }

  /** Adds a timer (hasRoom() must hold). */
  push(h: CallbackTimerHandle): void {
    if (this._heap === null) this._heap = [];
    h._seq = this._seq++;
    const heap = this._heap;
    heap.push(h);
    this._siftUp(heap.length - 1, h);
  }

  /** Takes the earliest timer (size() > 0). */
  pop(): CallbackTimerHandle {
    const heap = this._heap!;
    const top = heap[0];
    top._slot = OUT;
    const last = heap.pop()!;
    if (heap.length > 0) this._siftDown(0, last);
    return top;
  }

  /** Removes `h` if it is here; true if it was. */
  remove(h: CallbackTimerHandle): boolean {
    const heap = this._heap;
    const i = h._slot;
    if (heap === null || i < 0 || heap[i] !== h) return false;
    h._slot = OUT;
    const last = heap.pop()!;
    if (i < heap.length) {
      if (i > 0 && earlier(last, heap[(i - 1) >> 1])) this._siftUp(i, last);
      else this._siftDown(i, last);
    }
    return true;
  }

  /**
   * Empties the heap, handing every timer to `emit` in the order they were
   * scheduled (for the move to C++).
   */
  drain(emit: (h: CallbackTimerHandle) => void): void {
    const heap = this._heap;
    if (heap === null) return;
    this._heap = [];
    heap.sort((a, b) => a._seq - b._seq);
    for (const h of heap) {
      h._slot = OUT;
      emit(h);
    }
  }

  /** Forgets everything (the loop closed). */
  clear(): void {
    const heap = this._heap;
    if (heap === null) return;
    for (const h of heap) h._slot = OUT;
    this._heap = null;
  }

  private _siftUp(hole: number, h: CallbackTimerHandle): void {
    const heap = this._heap!;
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
    const heap = this._heap!;
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
}
