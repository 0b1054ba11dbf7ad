/**
 * NativeCore: the `LoopCore` contract (core.ts) over the native core — the
 * adapter between the Loop and the C++ NativeLoop (native/native_loop.h).
 *
 * Three pieces, one file each:
 *   native_core.ts  this adapter: the ready ring, the timer command buffer,
 *                   the crossing (`collect`) and dispatch (`next`)
 *   timer_slots.ts  TimerSlots: the callbacks of pending timers, by slot
 *   stage.ts        Stage: the timers C++ published for the wrapper to take
 *                   itself on the virtual clock (staging)
 * and binding.ts types the addon; layout.ts is the shared memory.
 *
 * The ready queue is a ring of int32 entries in memory shared with C++
 * (`_ring`): an entry is either a timer slot (>= 0) that C++ appended when
 * the timer came due, or a negative code for a callSoon entry, whose callback
 * and arguments sit beside it in JS arrays at the same ring position
 * (`_rcbs`, `_rargs`): SOON (-1) with an arguments array, SOON1 (-2) with
 * its one argument as is (aioloop's own Task steps and done-callbacks).
 * Timers keep their callbacks in the slot table; C++ only sees slots.
 * The hot operations never cross into C++:
 *
 *   soon    ring[tail] = -1; rcbs/rargs[tail] = callback, args
 *   at      slot = timers.add(when, callback, args); ops += (when, slot)
 *           (a flush crossing per 4096 commands)
 *   cancel  callSoon: rcbs[pos] = undefined;
 *           timer: timers.cancel(slot); ops += (0, -slot - 1)
 *   next    e = ring[head]: -1 -> take rcbs/rargs[head]; slot -> take the slot's
 *
 * The handle `soon`/`at` returns only names its place (a callSoon handle:
 * the absolute ring position in `_slot`, `_gen` = -1; a timer handle: its
 * slot and the slot's generation); nothing keeps it. So a burst of a million
 * callSoon calls leaves a million array entries, not a million live objects
 * for the garbage collector to trace and promote — the main cost of the js
 * core, which keeps asyncio's object per handle.
 *
 * `collect` crosses once (`step()`: the time, the wait and the clock kind
 * go in through ctl, the count comes back there), and only when timers
 * exist or commands are pending: C++ replays the commands into its queue,
 * waits or jumps the clock, appends due timer slots to the ring, and lists
 * the slots of cancelled timers it dropped. If more timers are due than the
 * ring can take, it says how many (when it knows) and the wrapper grows the
 * ring once and steps again at the same time. On the virtual clock an
 * iteration that the published timers settle does not cross at all
 * (stage.ts).
  */
import { CallbackHandle, CallbackTimerHandle, Handle, TimerHandle, type AbstractLoop } from '../events';
import { monotonic, sleepSeconds } from './clock';
import type { Callback, ClockName, LoopCore, TimerToken } from './core';
import { LocalTimers } from './local_timers';
import { Stage } from './stage';
import { ONE_ARG, TimerSlots } from './timer_slots';
import {
  CLOCK_RESOLUTION,
  CTL_COUNT,
  CTL_EXACT,
  CTL_HEAD,
  CTL_MAX_WAIT,
  CTL_MORE,
  CTL_NEXT_WHEN,
  CTL_NOW,
  CTL_OPS,
  CTL_SIZE,
  CTL_STAGE_TAKEN,
  CTL_TIMERS,
  CTL_VIRTUAL,
  OPS_CAPACITY,
  OPS_INITIAL_CAPACITY,
  READY_INITIAL_CAPACITY,
} from './layout';

import type { NativeBinding, RawCore } from './binding';

export type { NativeBinding, RawCore } from './binding';

const NONE: readonly unknown[] = Object.freeze([]);

/**
 * What an idle wrapper holds in place of its slot table, its local timer
 * heap and the ring's callback arrays: shared empty ones, replaced by its
 * own at the first timer or the first ready entry. An idle loop then holds
 * none of them (W13: 10,000 idle loops). Never written to: every writer
 * swaps in its own first.
 */
const NO_TIMERS = new TimerSlots();
const NO_LOCAL = new LocalTimers();
const NO_ENTRIES: never[] = Object.freeze([]) as never[];

/**
 * What a wrapper holds before it made its C++ side (it never crosses then):
 * a control block that reads "no timer", a stage with nothing published,
 * and a core on which only setReady and close are ever called, as no-ops.
 */
const NO_RING = new Int32Array(0);
const DETACHED_CTL = new Float64Array(CTL_SIZE);
DETACHED_CTL[CTL_NEXT_WHEN] = Infinity;
const DETACHED_STAGE = new Stage(DETACHED_CTL);
function detachedCall(): never {
  throw new Error('aioloop: the native core was used before it was made');
}
const DETACHED_RAW: RawCore = {
  attach: detachedCall,
  setReady: () => {},
  setOps: detachedCall,
  flush: detachedCall,
  step: detachedCall,
  close: () => {},
};

/** Ring entry of a callSoon callback (whose callback sits in `_rcbs`). */
const SOON = -1;
/** Ring entry of a callback with one argument, kept as is in `_rargs` (no array). */
const SOON1 = -2;

export class NativeCore implements LoopCore {
  readonly backend = 'native' as const;
  readonly clock: ClockName;
  args: readonly unknown[] | null;
  arg0: unknown;
  private readonly _loop: AbstractLoop;
  private readonly _binding: NativeBinding;
  private _raw: RawCore;
  private _ctl: Float64Array;
  private _ops: Float64Array;
  /** Pairs `_ops` holds: OPS_INITIAL_CAPACITY, doubled up to OPS_CAPACITY. */
  private _opsCap: number;
  private _opsCount: number;
  /** The earliest deadline among the timers added in the pending commands. */
  private _opsMinWhen: number;
  /**
   * True after a flush that left ctl[CTL_NEXT_WHEN] a lower bound (the
   * command buffer filled up): `nextWhen()` then asks C++ for the exact one.
   */
  private _nextEarly: boolean;
  // The ready ring (shared with C++) and the callSoon callbacks beside it.
  private _ring: Int32Array;
  private _rcbs: (Callback | undefined)[];
  private _rargs: unknown[];
  private _mask: number;
  private _head: number; // absolute position of the oldest entry
  private _count: number;
  private _timers: TimerSlots;
  private readonly _virtual: boolean;
  private _vnow: number;
  private _stage: Stage;
  /** The deadline of the timer `next()` took last, NaN for a callSoon entry. */
  private _curWhen: number;
  /**
   * True while C++ holds no live timer and the few pending ones are kept in
   * `_local` (local_timers.ts): iterations then never cross.
   */
  private _localMode: boolean;
  private _local: LocalTimers;

  constructor(binding: NativeBinding, loop: AbstractLoop, clock: ClockName) {
    this._loop = loop;
    this.clock = clock;
    this._virtual = clock === 'virtual';
    this._vnow = 0;
    // The C++ side is made when the first timer goes to it (_attach): a loop
    // that never holds more than a few timers at once never needs it, and an
    // idle loop costs little more than an idle js one (W13).
    this._binding = binding;
    this._raw = DETACHED_RAW;
    this._ctl = DETACHED_CTL;
    this._stage = DETACHED_STAGE;
    this._ops = DETACHED_CTL;
    this._opsCap = 0;
    this._opsCount = 0;
    this._opsMinWhen = Infinity;
    this._nextEarly = false;
    // The ring is made at the first entry (the `_count > _mask` test of every
    // append grows it from nothing): an idle loop holds none.
    this._ring = NO_RING;
    this._rcbs = NO_ENTRIES;
    this._rargs = NO_ENTRIES;
    this._mask = -1;
    this._head = 0;
    this._count = 0;
    this._timers = NO_TIMERS;
    this.args = NONE;
    this.arg0 = undefined;
    this._curWhen = NaN;
    this._localMode = true;
    this._local = NO_LOCAL;
  }

  /** Makes the C++ side and its shared buffers (the first time timers go there). */
  private _attach(): void {
    if (this._raw !== DETACHED_RAW) return;
    if (this._mask < 0) this._grow(); // C++ needs a ring to append to
    const raw = new this._binding.Core();
    const ctl = new Float64Array(CTL_SIZE);
    ctl[CTL_NEXT_WHEN] = Infinity;
    ctl[CTL_VIRTUAL] = this._virtual ? 1 : 0;
    const ops = new Float64Array(2 * OPS_INITIAL_CAPACITY);
    raw.attach(ctl.buffer as ArrayBuffer, this._ring.buffer as ArrayBuffer, ops.buffer as ArrayBuffer);
    this._raw = raw;
    this._ctl = ctl;
    this._stage = new Stage(ctl);
    this._ops = ops;
    this._opsCap = OPS_INITIAL_CAPACITY;
  }

  time(): number {
    return this._virtual ? this._vnow : monotonic();
  }

  soon(callback: Callback, args: readonly unknown[]): Handle {
    this.soonQuiet(callback, args);
    const h = new Handle(this._loop);
    h._slot = this._head + this._count - 1; // its absolute ring position
    h._gen = -1;
    return h;
  }

  soonQuiet(callback: Callback, args: readonly unknown[]): void {
    if (this._count > this._mask) this._grow();
    const i = (this._head + this._count) & this._mask;
    this._ring[i] = SOON;
    this._rcbs[i] = callback;
    this._rargs[i] = args;
    this._count++;
  }

  soonQuiet1(callback: Callback, arg: unknown): void {
    if (this._count > this._mask) this._grow();
    const i = (this._head + this._count) & this._mask;
    this._ring[i] = SOON1;
    this._rcbs[i] = callback;
    this._rargs[i] = arg;
    this._count++;
  }

  at(when: number, callback: Callback, args: readonly unknown[]): TimerHandle {
    const slot = this._addTimer(when, callback, args);
    const h = new TimerHandle(when, this._loop);
    h._slot = slot;
    h._gen = this._timers.gens[slot];
    return h;
  }

  atQuiet1(when: number, callback: Callback, arg: unknown): number {
    const slot = this._addTimer(when, callback, arg);
    this._timers.gens[slot] |= ONE_ARG;
    return slot;
  }

  whenOf(token: TimerToken): number {
    return this._timers.whens[token as number];
  }

  cancelQuiet(token: TimerToken): void {
    // The caller guarantees the timer has neither run nor been cancelled,
    // so the slot is still its own: no generation to check.
    this._cancelSlot(token as number);
  }

  /** Takes a slot for a timer and keeps it locally or queues its command for C++. */
  private _addTimer(when: number, callback: Callback, args: unknown): number {
    if (this._timers === NO_TIMERS) this._timers = new TimerSlots();
    const slot = this._timers.add(when, callback, args);
    if (this._localMode) {
      if (this._local === NO_LOCAL) this._local = new LocalTimers();
      if (this._local.hasRoom()) {
        this._local.push(when, slot);
        return slot;
      }
      this._toCpp();
    }
    this._pushAdd(when, slot);
    return slot;
  }

  /** Too many timers for the local heap: all of them go to C++, in scheduling order. */
  private _toCpp(): void {
    this._attach();
    this._localMode = false;
    this._local.drain((when, slot) => this._pushAdd(when, slot));
  }

  /** Queues an add command for C++. */
  private _pushAdd(when: number, slot: number): void {
    if (this._opsCount === this._opsCap) this._opsFull();
    const i = 2 * this._opsCount++;
    this._ops[i] = when;
    this._ops[i + 1] = slot;
    if (when < this._opsMinWhen) this._opsMinWhen = when;
  }

  cancel(handle: Handle): void {
    const slot = handle._slot;
    if (slot < 0) return; // a handle made for a report: it stands for nothing here
    if (handle._gen === -1) {
      // A callSoon entry: still in the ring if not yet taken.
      if (slot >= this._head && slot < this._head + this._count) {
        const i = slot & this._mask;
        this._rcbs[i] = undefined;
        this._rargs[i] = undefined;
      }
      return;
    }
    const timers = this._timers;
    if (!timers.owns(slot, handle._gen) || timers.cancelled(slot)) return;
    this._cancelSlot(slot);
  }

  private _cancelSlot(slot: number): void {
    this._timers.cancel(slot);
    if (this._localMode) {
      // Not in the local heap: it is already due, in the ring, whose entry frees it.
      if (this._local.remove(slot)) this._timers.free(slot);
      return;
    }
    // Drop it from the heap. The slot stays taken until C++ says it dropped
    // it (or its entry leaves the ring, if it was already due).
    if (this._opsCount === this._opsCap) this._opsFull();
    const i = 2 * this._opsCount++;
    this._ops[i] = 0;
    this._ops[i + 1] = -slot - 1;
  }

  callbackOf(handle: Handle): Callback | undefined {
    const slot = handle._slot;
    if (handle._gen === -1) {
      return slot >= this._head && slot < this._head + this._count ? this._rcbs[slot & this._mask] : undefined;
    }
    return this._timers.owns(slot, handle._gen) ? this._timers.cbs[slot] : undefined;
  }

  // next() is a dispatcher and each kind of entry is taken by its own small
  // method: V8 then inlines only the kinds a program runs into the loop's
  // iteration (with the bodies in next() itself, its size used up the
  // iteration's inlining budget).
  next(): Callback | undefined {
    const i = this._head & this._mask;
    this._head++;
    this._count--;
    const code = this._ring[i];
    if (code === SOON1) return this._takeSoon1(i);
    if (code === SOON) return this._takeSoon(i);
    return this._takeSlot(code);
  }

  /** A callSoon entry with its one argument as is. */
  private _takeSoon1(i: number): Callback | undefined {
    const cb = this._rcbs[i];
    this.args = null;
    this.arg0 = this._rargs[i];
    this._rcbs[i] = undefined;
    this._rargs[i] = undefined;
    this._curWhen = NaN;
    return cb;
  }

  /** A callSoon entry with an arguments array. */
  private _takeSoon(i: number): Callback | undefined {
    const cb = this._rcbs[i];
    this.args = this._rargs[i] as readonly unknown[];
    this._rcbs[i] = undefined;
    this._rargs[i] = undefined;
    this._curWhen = NaN;
    return cb;
  }

  /** A due timer: its callback is in the slot table, and the slot is freed. */
  private _takeSlot(slot: number): Callback | undefined {
    const timers = this._timers;
    const cb = timers.cbs[slot];
    if ((timers.gens[slot] & ONE_ARG) !== 0) {
      this.args = null;
      this.arg0 = timers.args[slot];
    } else {
      this.args = timers.args[slot] as readonly unknown[];
    }
    this._curWhen = timers.whens[slot];
    timers.cbs[slot] = undefined;
    timers.args[slot] = undefined;
    timers.free(slot);
    return cb;
  }

  currentHandle(callback: Callback, args: readonly unknown[]): Handle {
    const when = this._curWhen;
    return when === when
      ? new CallbackTimerHandle(when, callback, args, this._loop)
      : new CallbackHandle(callback, args, this._loop);
  }

  readyCount(): number {
    return this._count;
  }

  nextWhen(): number {
    if (this._localMode) return this._local.head();
    if (this._opsCount > 0 || this._nextEarly) this._flush(true);
    const next = this._ctl[CTL_NEXT_WHEN];
    const staged = this._stage.head();
    return staged < next ? staged : next;
  }

  dueWhen(before: number): number {
    // Timers come due after what was ready: the entry there is a timer slot.
    return this._timers.whens[this._ring[(this._head + before) & this._mask]];
  }

  collect(maxWait: number): number {
    // Kept this small so that V8 inlines it into the loop's iteration (with
    // the whole crossing path inside, its bytecode was over V8's limit).
    // With no timer at all (callSoon-only iterations) it answers here:
    // `_collectLocal` is not inlined, and a call per iteration was a twentieth
    // of a hosted callSoon chain (W12-chain).
    if (this._localMode) return this._local.size === 0 ? this._count : this._collectLocal(maxWait);
    return this._collectCpp(maxWait);
  }

  /** `collect` with C++ holding the timers: cross (unless the published timers settle it). */
  private _collectCpp(maxWait: number): number {
    const ctl = this._ctl;
    // No timer anywhere: nothing for C++ to do, so do not cross.
    if (this._opsCount === 0 && ctl[CTL_TIMERS] === 0) return this._count;
    if (this._stage.pending()) {
      const n = this._collectStaged(maxWait);
      if (n >= 0) return n;
    }
    const now = this.time();
    // Something is ready (so no waiting) and no timer can be due, neither in
    // the heap nor among the pending commands: the crossing would change
    // nothing, so the commands wait for the next one. (A cancel in the
    // pending commands may have removed the heap's earliest timer: then the
    // deadline read here is early, and the test only errs towards crossing.)
    if (this._count > 0) {
      let next = ctl[CTL_NEXT_WHEN] < this._opsMinWhen ? ctl[CTL_NEXT_WHEN] : this._opsMinWhen;
      const staged = this._stage.head();
      if (staged < next) next = staged;
      if (this._virtual ? next > now : next >= now + CLOCK_RESOLUTION) return this._count;
    }
    ctl[CTL_HEAD] = this._head & this._mask;
    ctl[CTL_COUNT] = this._count;
    ctl[CTL_OPS] = this._opsCount;
    ctl[CTL_NOW] = now;
    ctl[CTL_MAX_WAIT] = maxWait;
    ctl[CTL_STAGE_TAKEN] = this._stage.taken();
    this._opsCount = 0;
    this._opsMinWhen = Infinity;
    this._raw.step();
    this._nextEarly = false;
    let count = ctl[CTL_COUNT];
    this._release();
    while (ctl[CTL_MORE] > 0) {
      // The ring filled up with due timers: grow it (to fit them all when C++
      // knows how many) and take the rest, at the same `now` (ctl[CTL_NOW] as
      // C++ left it), in the same iteration.
      this._count = count;
      this._grow(count + ctl[CTL_MORE]);
      ctl[CTL_HEAD] = this._head & this._mask;
      ctl[CTL_COUNT] = this._count;
      ctl[CTL_OPS] = 0;
      ctl[CTL_MAX_WAIT] = 0;
      this._raw.step();
      count = ctl[CTL_COUNT];
    }
    this._count = count;
    if (this._virtual) this._vnow = ctl[CTL_NOW];
    this._stage.read();
    // C++ has no live timer left: the next few can stay on this side.
    if (ctl[CTL_TIMERS] === 0 && this._opsCount === 0 && !this._stage.pending()) this._localMode = true;
    return count;
  }

  /**
   * `collect` in local mode: the same steps C++ takes (wait or jump to the
   * first timer if nothing is ready, then move the due ones to the ring in
   * (when, order) order), on the local heap, without crossing.
   */
  private _collectLocal(maxWait: number): number {
    const local = this._local;
    if (local.size === 0) return this._count;
    let now = this.time();
    if (this._count === 0 && maxWait > 0) {
      const target = local.head();
      if (this._virtual) {
        if (target > now && target !== Infinity) now = this._vnow = target;
      } else {
        const deadline = target < now + maxWait ? target : now + maxWait;
        if (deadline > now && deadline !== Infinity) now += sleepSeconds(deadline - now);
      }
    }
    if (this._virtual) {
      while (local.size > 0 && local.head() <= now) this._pushReady(local.pop());
    } else {
      const end = now + CLOCK_RESOLUTION;
      while (local.size > 0 && local.head() < end) this._pushReady(local.pop());
    }
    return this._count;
  }

  /** Appends a due timer's slot to the ring. */
  private _pushReady(slot: number): void {
    if (this._count > this._mask) this._grow();
    this._ring[(this._head + this._count) & this._mask] = slot;
    this._count++;
  }

  /**
   * One iteration's gathering from the published timers alone, when they
   * settle it: jump to the first of them if nothing is ready, and move the
   * ones due to the ring — provided no timer outside them (in the heap or
   * among the pending commands) is due by then. Returns the ready count, or
   * -1 when the iteration needs C++ after all. The same steps C++ takes, on
   * timers it already ordered, without the crossing.
   */
  private _collectStaged(maxWait: number): number {
    const stage = this._stage;
    const timers = this._timers;
    if (!stage.skipCancelled(timers)) return -1;
    let t = this._vnow;
    if (this._count === 0 && maxWait > 0) {
      const first = stage.head();
      if (first > t) t = first;
    }
    const ctl = this._ctl;
    const unstaged = ctl[CTL_NEXT_WHEN] < this._opsMinWhen ? ctl[CTL_NEXT_WHEN] : this._opsMinWhen;
    if (!(unstaged > t)) return -1;
    this._vnow = t;
    for (let slot = stage.takeDue(t, timers); slot >= 0; slot = stage.takeDue(t, timers)) {
      if (this._count > this._mask) this._grow();
      this._ring[(this._head + this._count) & this._mask] = slot;
      this._count++;
    }
    return this._count;
  }

  close(): void {
    this._raw.close();
    this._timers = NO_TIMERS;
    this._ring = NO_RING;
    this._rcbs = NO_ENTRIES;
    this._rargs = NO_ENTRIES;
    this._mask = -1;
    this._head = 0;
    this._count = 0;
    this._opsCount = 0;
    this._opsMinWhen = Infinity;
    this._stage.drop();
    this._local = NO_LOCAL;
    this._localMode = true;
    this._ctl[CTL_TIMERS] = 0;
    this._ctl[CTL_NEXT_WHEN] = Infinity;
    this._nextEarly = false;
    this.args = NONE;
    this.arg0 = undefined;
  }

  /** The command buffer is full: double it while it may grow, else replay it. */
  private _opsFull(): void {
    if (this._opsCap >= OPS_CAPACITY) {
      this._flush(false);
      return;
    }
    const ops = new Float64Array(4 * this._opsCap);
    ops.set(this._ops);
    this._ops = ops;
    this._opsCap *= 2;
    this._raw.setOps(ops.buffer as ArrayBuffer);
  }

  /**
   * Replays the command buffer now (it is full, or nextWhen needs the heap);
   * `exact`: whether ctl[CTL_NEXT_WHEN] must come back exact (nextWhen) or
   * may be a lower bound (the collect path treats it as one anyway).
   */
  private _flush(exact: boolean): void {
    this._ctl[CTL_OPS] = this._opsCount;
    this._ctl[CTL_EXACT] = exact ? 1 : 0;
    this._nextEarly = !exact;
    this._ctl[CTL_STAGE_TAKEN] = this._stage.taken();
    this._opsCount = 0;
    this._opsMinWhen = Infinity;
    this._raw.flush();
    this._release();
    // C++ took back what was published and not taken.
    this._stage.drop();
  }

  /** Frees the slots of cancelled timers that C++ dropped from its heap. */
  private _release(): void {
    const n = this._ctl[CTL_OPS];
    const ops = this._ops;
    const timers = this._timers;
    for (let i = 0; i < n; i++) timers.free(ops[i]);
  }

  /**
   * Doubles the ring (at least). Entries keep their absolute positions (a
   * position p lives at p & mask), so handles naming a position stay valid.
   *
   * In place: the int ring is copied as one block into the new buffer (C++
   * needs a new one) and the JS arrays only get longer (V8 keeps a
   * lengthened holey array fast); then the entries whose index changes
   * under the new mask move up. Those are the ones whose position has a bit
   * above the old mask set: none for a burst filling a fresh ring, only
   * the wrapped part otherwise. Every move goes from below the old capacity
   * to above it, so none overwrites an entry still to move. (Copying every
   * entry into new arrays cost W1 a fifth of its time and W7 a twentieth.)
   */
  private _grow(atLeast = 0): void {
    let cap = this._ring.length === 0 ? READY_INITIAL_CAPACITY : this._ring.length * 2;
    while (cap < atLeast) cap *= 2;
    const mask = cap - 1;
    const oldMask = this._mask;
    const head = this._head;
    const count = this._count;
    const ring = new Int32Array(cap);
    ring.set(this._ring);
    if (this._rcbs === NO_ENTRIES) {
      this._rcbs = [];
      this._rargs = [];
    }
    const rcbs = this._rcbs;
    const rargs = this._rargs;
    rcbs.length = cap;
    rargs.length = cap;
    const start = head & oldMask;
    if (count > 0 && !((head & mask) === start && start + count <= oldMask + 1)) {
      for (let k = 0; k < count; k++) {
        const p = head + k;
        const from = p & oldMask;
        const to = p & mask;
        if (to === from) continue;
        ring[to] = ring[from];
        rcbs[to] = rcbs[from];
        rargs[to] = rargs[from];
        rcbs[from] = undefined;
        rargs[from] = undefined;
      }
    }
    this._ring = ring;
    this._mask = mask;
    this._raw.setReady(ring.buffer as ArrayBuffer);
  }
}
