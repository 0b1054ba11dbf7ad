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
 * Entries are (when, seq, slot) in three small typed arrays, a binary heap
 * ordered by (when, seq): `seq` is the wrapper's own scheduling counter, the
 * same order C++ would give. The callbacks stay in the slot table
 * (timer_slots.ts), as for any timer.
 */

/**
 * Most pending timers kept in the wrapper. Measured on the W10 chains (one
 * callLater per callback, virtual clock): at 10 chains the JS heap is still
 * ahead of a crossing per iteration, at 100 C++ is (its sorted runs and
 * staging take many timers per crossing), so the switch sits between.
 */
export const LOCAL_TIMER_LIMIT = 128;

const NO_NUMBERS = new Float64Array(0);
const NO_SLOTS = new Int32Array(0);

export class LocalTimers {
  size = 0;
  private _seq = 0;
  // Made at the first timer: an idle loop holds none of them (W13).
  private _when = NO_NUMBERS;
  private _order = NO_NUMBERS;
  private _slot = NO_SLOTS;

  /** True when one more timer fits. */
  hasRoom(): boolean {
    return this.size < LOCAL_TIMER_LIMIT;
  }

  /** The earliest deadline, or Infinity. */
  head(): number {
    return this.size === 0 ? Infinity : this._when[0];
  }

  /** Adds a timer (hasRoom() must hold). */
  push(when: number, slot: number): void {
    if (this._slot.length === 0) {
      this._when = new Float64Array(LOCAL_TIMER_LIMIT);
      this._order = new Float64Array(LOCAL_TIMER_LIMIT);
      this._slot = new Int32Array(LOCAL_TIMER_LIMIT);
    }
    this._siftUp(this.size++, when, this._seq++, slot);
  }

  /** Takes the earliest timer's slot (size > 0). */
  pop(): number {
    const slot = this._slot[0];
    this._removeAt(0);
    return slot;
  }

  /** Removes `slot` if it is here; true if it was. */
  remove(slot: number): boolean {
    const slots = this._slot;
    for (let i = 0; i < this.size; i++) {
      if (slots[i] === slot) {
        this._removeAt(i);
        return true;
      }
    }
    return false;
  }

  /**
   * Empties the heap, handing every timer to `emit(when, slot)` in the order
   * they were scheduled (for the move to C++).
   */
  drain(emit: (when: number, slot: number) => void): void {
    const n = this.size;
    const idx: number[] = [];
    for (let i = 0; i < n; i++) idx.push(i);
    idx.sort((a, b) => this._order[a] - this._order[b]);
    for (const i of idx) emit(this._when[i], this._slot[i]);
    this.size = 0;
  }

  private _removeAt(i: number): void {
    const last = --this.size;
    if (i === last) return;
    const when = this._when[last];
    const order = this._order[last];
    const slot = this._slot[last];
    const parent = (i - 1) >> 1;
    if (i > 0 && this._before(when, order, parent)) this._siftUp(i, when, order, slot);
    else this._siftDown(i, when, order, slot);
  }

  /** True if (when, order) goes before the entry at `j`. */
  private _before(when: number, order: number, j: number): boolean {
    const w = this._when[j];
    return when < w || (when === w && order < this._order[j]);
  }

  private _siftUp(i: number, when: number, order: number, slot: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this._before(when, order, parent)) break;
      this._move(parent, i);
      i = parent;
    }
    this._set(i, when, order, slot);
  }

  private _siftDown(i: number, when: number, order: number, slot: number): void {
    const n = this.size;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this._before(this._when[right], this._order[right], child)) child = right;
      const cw = this._when[child];
      const co = this._order[child];
      if (!(cw < when || (cw === when && co < order))) break;
      this._move(child, i);
      i = child;
    }
    this._set(i, when, order, slot);
  }

  private _move(from: number, to: number): void {
    this._when[to] = this._when[from];
    this._order[to] = this._order[from];
    this._slot[to] = this._slot[from];
  }

  private _set(i: number, when: number, order: number, slot: number): void {
    this._when[i] = when;
    this._order[i] = order;
    this._slot[i] = slot;
  }
}
