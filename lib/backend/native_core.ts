/**
 * The TypeScript side of the native core.
 *
 * Callbacks stay here; C++ only sees slots (indices into `_handles`). The hot
 * operations touch shared typed arrays and never cross into C++:
 *
 *   pushReady   _handles[slot] = h; ready[(head + count) & mask] = slot
 *   addTimer    ops += (when, slot)          (a flush crossing per 4096 ops)
 *   cancelTimer ops += (0, -slot - 1)
 *   shift       slot = ready[head]; h = _handles[slot]; free the slot
 *
 * `collect` crosses once, and only when timers exist or commands are pending:
 * C++ replays the commands into its heap, waits or jumps the clock, appends
 * due timers to the ring, and lists the slots of cancelled timers it dropped.
 * See layout.ts for the buffers and native/loop_core.h for the other side.
 *
 * Slot lifetime: a slot is allocated when a handle is scheduled and freed when
 * the handle leaves the ring (shift) or when C++ reports its cancelled timer
 * removed from the heap — never both, since a timer is in exactly one place.
 */
import type { Handle, TimerHandle } from '../events';
import { monotonic } from './clock';
import type { ClockName, LoopCore } from './core';
import {
  CTL_COUNT,
  CTL_HEAD,
  CTL_MORE,
  CTL_NEXT_WHEN,
  CTL_NOW,
  CTL_OPS,
  CTL_SIZE,
  CTL_TIMERS,
  OPS_CAPACITY,
  READY_INITIAL_CAPACITY,
} from './layout';

/** The raw C++ core object (native/addon.cc). */
export interface RawCore {
  attach(ctl: ArrayBuffer, ready: ArrayBuffer, ops: ArrayBuffer): void;
  setReady(ready: ArrayBuffer): void;
  flush(): void;
  collect(now: number, maxWait: number, virtualClock: boolean): number;
  clear(): void;
  close(): void;
  isClosed(): boolean;
}

/** What the addon exports. */
export interface NativeBinding {
  Core: new () => RawCore;
  monotonic(): number;
  layoutVersion: number;
}

export class NativeCore implements LoopCore {
  readonly backend = 'native' as const;
  readonly clock: ClockName;
  private _raw: RawCore;
  private _ctl: Float64Array;
  private _ops: Float64Array;
  private _opsCount: number;
  private _ring: Int32Array;
  private _mask: number;
  private _head: number;
  private _count: number;
  private _handles: (Handle | undefined)[];
  private _free: number[];
  private readonly _virtual: boolean;
  private _vnow: number;

  constructor(binding: NativeBinding, clock: ClockName) {
    this.clock = clock;
    this._virtual = clock === 'virtual';
    this._vnow = 0;
    this._raw = new binding.Core();
    this._ctl = new Float64Array(CTL_SIZE);
    this._ctl[CTL_NEXT_WHEN] = Infinity;
    this._ops = new Float64Array(2 * OPS_CAPACITY);
    this._opsCount = 0;
    this._ring = new Int32Array(READY_INITIAL_CAPACITY);
    this._mask = READY_INITIAL_CAPACITY - 1;
    this._head = 0;
    this._count = 0;
    this._handles = [];
    this._free = [];
    this._raw.attach(this._ctl.buffer as ArrayBuffer, this._ring.buffer as ArrayBuffer, this._ops.buffer as ArrayBuffer);
  }

  time(): number {
    return this._virtual ? this._vnow : monotonic();
  }

  pushReady(handle: Handle): void {
    const slot = this._alloc(handle);
    if (this._count > this._mask) this._grow();
    this._ring[(this._head + this._count) & this._mask] = slot;
    this._count++;
  }

  shift(): Handle {
    const head = this._head;
    const slot = this._ring[head];
    this._head = (head + 1) & this._mask;
    this._count--;
    const h = this._handles[slot]!;
    this._handles[slot] = undefined;
    this._free.push(slot);
    h._slot = -1;
    return h;
  }

  readyCount(): number {
    return this._count;
  }

  addTimer(handle: TimerHandle): void {
    const slot = this._alloc(handle);
    handle._slot = slot;
    if (this._opsCount === OPS_CAPACITY) this._flush();
    const i = 2 * this._opsCount++;
    this._ops[i] = handle._when;
    this._ops[i + 1] = slot;
  }

  cancelTimer(handle: TimerHandle): void {
    const slot = handle._slot;
    if (slot < 0) return;
    // The slot stays allocated until C++ says it dropped the timer (or the
    // handle leaves the ready ring, if it was already due).
    handle._slot = -1;
    if (this._opsCount === OPS_CAPACITY) this._flush();
    const i = 2 * this._opsCount++;
    this._ops[i] = 0;
    this._ops[i + 1] = -slot - 1;
  }

  nextWhen(): number {
    if (this._opsCount > 0) this._flush();
    return this._ctl[CTL_NEXT_WHEN];
  }

  collect(maxWait: number): number {
    const ctl = this._ctl;
    // No timer anywhere: nothing for C++ to do, so do not cross.
    if (this._opsCount === 0 && ctl[CTL_TIMERS] === 0) return this._count;
    ctl[CTL_HEAD] = this._head;
    ctl[CTL_COUNT] = this._count;
    ctl[CTL_OPS] = this._opsCount;
    this._opsCount = 0;
    const now = this.time();
    let count = this._raw.collect(now, maxWait, this._virtual);
    this._release();
    while (ctl[CTL_MORE] === 1) {
      // The ring filled up with due timers: grow it and take the rest, at the
      // same `now`, in the same iteration.
      this._count = count;
      this._grow();
      ctl[CTL_HEAD] = this._head;
      ctl[CTL_COUNT] = this._count;
      ctl[CTL_OPS] = 0;
      count = this._raw.collect(ctl[CTL_NOW], 0, this._virtual);
    }
    this._count = count;
    if (this._virtual) this._vnow = ctl[CTL_NOW];
    return count;
  }

  close(): void {
    this._raw.close();
    this._handles = [];
    this._free = [];
    this._ring = new Int32Array(2);
    this._mask = 1;
    this._head = 0;
    this._count = 0;
    this._opsCount = 0;
    this._ctl[CTL_TIMERS] = 0;
    this._ctl[CTL_NEXT_WHEN] = Infinity;
  }

  private _alloc(handle: Handle): number {
    const free = this._free;
    if (free.length > 0) {
      const slot = free.pop()!;
      this._handles[slot] = handle;
      return slot;
    }
    const slot = this._handles.length;
    this._handles.push(handle);
    return slot;
  }

  /** Replays the command buffer now (it is full, or nextWhen needs the heap). */
  private _flush(): void {
    this._ctl[CTL_OPS] = this._opsCount;
    this._opsCount = 0;
    this._raw.flush();
    this._release();
  }

  /** Frees the slots of cancelled timers that C++ dropped from its heap. */
  private _release(): void {
    const n = this._ctl[CTL_OPS];
    const ops = this._ops;
    for (let i = 0; i < n; i++) {
      const slot = ops[i];
      this._handles[slot] = undefined;
      this._free.push(slot);
    }
  }

  private _grow(): void {
    const old = this._ring;
    const cap = old.length;
    const ring = new Int32Array(cap * 2);
    for (let i = 0; i < this._count; i++) ring[i] = old[(this._head + i) & this._mask];
    this._ring = ring;
    this._mask = cap * 2 - 1;
    this._head = 0;
    this._raw.setReady(ring.buffer as ArrayBuffer);
  }
}
