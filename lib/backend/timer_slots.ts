/**
 * The native wrapper's timer slot table: where the callback of every pending
 * native timer waits, while C++ only sees its slot (a small integer).
 *
 * A struct of arrays, indexed by slot:
 *
 *   cbs[slot]    the callback; undefined once cancelled (or run)
 *   args[slot]   its arguments array, or its one argument as is when
 *                gens[slot] has ONE_ARG (atQuiet1: a sleeping task's timer)
 *   whens[slot]  its deadline (Float64Array)
 *   gens[slot]   the generation, bumped by 2 each time the slot is freed, and
 *                in bit 0 ONE_ARG (Int32Array)
 *
 * Slots are handed out densely (the free stack first, then the high-water
 * mark `used`), which is what lets C++ bound an honest slot (TimerQueue's
 * reserve_slot) and keep its own table small. A slot is freed exactly once
 * per timer, by NativeCore: when its entry leaves the ready ring, when a
 * published timer it took turns out cancelled (stage.ts), or when C++ reports
 * the cancelled timer dropped from its heap — never twice, since a timer is
 * in exactly one of those places. Freeing bumps the generation, so a handle
 * kept after its callback ran can no longer touch the slot's next tenant.
 */
import type { Callback } from './core';

/** Bit 0 of `gens[slot]`: the timer's one argument is kept as is (atQuiet1). */
export const ONE_ARG = 1;

/** Table size at the first timer; it doubles as needed. */
const INITIAL_SLOTS = 16;
const NO_WHENS = new Float64Array(0);
const NO_GENS = new Int32Array(0);

export class TimerSlots {
  cbs: (Callback | undefined)[];
  args: unknown[];
  whens: Float64Array;
  gens: Int32Array;
  /** Slots handed out so far (the table's high-water mark). */
  used: number;
  private _free: number[];

  constructor() {
    this.cbs = [];
    this.args = [];
    // Empty until the first timer: an idle loop holds no table (W13).
    this.whens = NO_WHENS;
    this.gens = NO_GENS;
    this.used = 0;
    this._free = [];
  }

  /** Takes a slot for a timer and fills it in; returns the slot. */
  add(when: number, callback: Callback, args: unknown): number {
    let slot: number;
    if (this._free.length > 0) {
      slot = this._free.pop()!;
      this.cbs[slot] = callback;
      this.args[slot] = args;
    } else {
      slot = this.used++;
      if (slot === this.gens.length) this._grow();
      this.cbs.push(callback);
      this.args.push(args);
    }
    this.whens[slot] = when;
    return slot;
  }

  /** True while `slot` still belongs to the timer of generation `gen` (a handle's). */
  owns(slot: number, gen: number): boolean {
    return slot >= 0 && slot < this.used && this.gens[slot] === gen;
  }

  /** The slot's timer was cancelled: drop its callback (the slot stays taken until freed). */
  cancel(slot: number): void {
    this.cbs[slot] = undefined;
    this.args[slot] = undefined;
  }

  /** True if the slot's timer was cancelled (or ran) and the slot is not yet free. */
  cancelled(slot: number): boolean {
    return this.cbs[slot] === undefined;
  }

  /** Hands a slot back: bumps its generation (clearing ONE_ARG) so old handles no longer name it. */
  free(slot: number): void {
    this.gens[slot] = (this.gens[slot] & ~ONE_ARG) + 2;
    this._free.push(slot);
  }

  private _grow(): void {
    const n = this.gens.length === 0 ? INITIAL_SLOTS : this.gens.length * 2;
    const gens = new Int32Array(n);
    gens.set(this.gens);
    this.gens = gens;
    const whens = new Float64Array(n);
    whens.set(this.whens);
    this.whens = whens;
  }
}
