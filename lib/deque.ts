/**
 * A double-ended queue for the toolbox: the items of a `Queue` and the
 * waiters of every lock and queue (asyncio uses `collections.deque` for both).
 *
 * A power-of-two ring indexed with a mask (denque's layout): push, shift and
 * unshift are O(1) amortised, the ring doubles when full, and vacated slots
 * are set to `undefined` so the GC can reclaim what they held. `remove` is
 * O(n), as `deque.remove` is: it serves only cancelled waiters, which are rare.
 *
 * @internal Not part of the public API.
 */

/** Initial capacity: enough for the waiters of a typical lock without growing. */
const INITIAL_CAPACITY = 8;

export class Deque<T> {
  private _ring: (T | undefined)[];
  private _mask: number;
  private _head: number;
  private _count: number;

  constructor() {
    this._ring = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined);
    this._mask = INITIAL_CAPACITY - 1;
    this._head = 0;
    this._count = 0;
  }

  /** Number of items. */
  get length(): number {
    return this._count;
  }

  /** Appends at the back. */
  push(item: T): void {
    if (this._count > this._mask) this._grow();
    this._ring[(this._head + this._count) & this._mask] = item;
    this._count++;
  }

  /** Prepends at the front. */
  unshift(item: T): void {
    if (this._count > this._mask) this._grow();
    this._head = (this._head - 1) & this._mask;
    this._ring[this._head] = item;
    this._count++;
  }

  /** Removes and returns the front item (undefined when empty). */
  shift(): T | undefined {
    if (this._count === 0) return undefined;
    const head = this._head;
    const item = this._ring[head];
    this._ring[head] = undefined;
    this._head = (head + 1) & this._mask;
    this._count--;
    return item;
  }

  /** Removes and returns the back item (undefined when empty). */
  pop(): T | undefined {
    if (this._count === 0) return undefined;
    const i = (this._head + this._count - 1) & this._mask;
    const item = this._ring[i];
    this._ring[i] = undefined;
    this._count--;
    return item;
  }

  /** The item at position `i` from the front (0 = front). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this._count) return undefined;
    return this._ring[(this._head + i) & this._mask];
  }

  /** Inserts `item` so that it becomes the item at position `i` (0 <= i <= length). */
  insert(i: number, item: T): void {
    if (i <= 0) return this.unshift(item);
    if (i >= this._count) return this.push(item);
    this.push(item); // grows if needed; the slot is overwritten below
    const mask = this._mask;
    for (let j = this._count - 1; j > i; j--) {
      this._ring[(this._head + j) & mask] = this._ring[(this._head + j - 1) & mask];
    }
    this._ring[(this._head + i) & mask] = item;
  }

  /** Removes the first occurrence of `item`; returns whether it was found. */
  remove(item: T): boolean {
    const mask = this._mask;
    const n = this._count;
    let i = 0;
    while (i < n && this._ring[(this._head + i) & mask] !== item) i++;
    if (i === n) return false;
    for (let j = i; j < n - 1; j++) {
      this._ring[(this._head + j) & mask] = this._ring[(this._head + j + 1) & mask];
    }
    this._ring[(this._head + n - 1) & mask] = undefined;
    this._count--;
    return true;
  }

  /** Drops every item. */
  clear(): void {
    this._ring.fill(undefined);
    this._head = 0;
    this._count = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this._count; i++) yield this._ring[(this._head + i) & this._mask] as T;
  }

  private _grow(): void {
    const old = this._ring;
    const n = this._count;
    const ring = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < n; i++) ring[i] = old[(this._head + i) & this._mask];
    this._ring = ring;
    this._mask = ring.length - 1;
    this._head = 0;
  }
}
