/**
 * Staging, the wrapper's side (virtual clock only): the next timers C++
 * published in ctl at its last step, and how many of them the wrapper took.
 *
 * Even at ~127 ns, a crossing per event was a third of a small simulation's
 * time. So a step also publishes the core's next STAGE_CAPACITY timers, in
 * order, as (when, slot) pairs at ctl[CTL_STAGE_BASE ..] (C++ keeps them at
 * the front of its queue: native/timer_queue.h), and ctl[CTL_NEXT_WHEN] is
 * then the earliest timer after them. An iteration that needs only them —
 * nothing outside them due by the time it would jump to — is run from them
 * without crossing (NativeCore._collectStaged), so a simulation crosses about
 * once per 60 events. A timer added since the step is not among them: it
 * waits in the command buffer, whose earliest deadline bounds how far the
 * published ones can be used. At the next crossing the wrapper writes
 * `taken()` into ctl[CTL_STAGE_TAKEN] and C++ retires those first; a flush
 * takes back the rest (`drop()`).
 *
 * A published timer the wrapper took is its own: if it was cancelled, the
 * wrapper frees its slot here, as C++ would have when dropping it from its
 * heap, and C++ ignores the cancel command still in the buffer.
 */
import { CTL_STAGE_BASE, CTL_STAGED } from './layout';
import type { TimerSlots } from './timer_slots';

export class Stage {
  private readonly _ctl: Float64Array;
  /** Timers published at the last step. */
  private _count: number;
  /** How many of them the wrapper took. */
  private _pos: number;

  constructor(ctl: Float64Array) {
    this._ctl = ctl;
    this._count = 0;
    this._pos = 0;
  }

  /** After a step: take in what C++ published. */
  read(): void {
    this._count = this._ctl[CTL_STAGED];
    this._pos = 0;
  }

  /** C++ took back what was published and not taken (a flush), or the loop closed. */
  drop(): void {
    this._count = 0;
    this._pos = 0;
  }

  /** How many published timers the wrapper took since the step (for ctl[CTL_STAGE_TAKEN]). */
  taken(): number {
    return this._pos;
  }

  /** True while some published timer is not taken yet. */
  pending(): boolean {
    return this._pos < this._count;
  }

  /** The deadline of the first published timer not taken yet, or +Infinity. */
  head(): number {
    return this._pos < this._count ? this._ctl[CTL_STAGE_BASE + 2 * this._pos] : Infinity;
  }

  /**
   * Takes the cancelled timers at the front (freeing their slots), so that
   * the time never jumps to a cancelled timer. Returns false when no
   * published timer is left.
   */
  skipCancelled(slots: TimerSlots): boolean {
    const ctl = this._ctl;
    let pos = this._pos;
    const end = this._count;
    while (pos < end) {
      const slot = ctl[CTL_STAGE_BASE + 2 * pos + 1];
      if (!slots.cancelled(slot)) break;
      slots.free(slot);
      pos++;
    }
    this._pos = pos;
    return pos !== end;
  }

  /**
   * Takes the next published timer due by `t` (`when <= t`: the virtual
   * clock's rule) and returns its slot, or -1 when there is none. Cancelled
   * ones on the way are dropped here, as C++ drops a cancelled timer from
   * its heap.
   */
  takeDue(t: number, slots: TimerSlots): number {
    const ctl = this._ctl;
    let pos = this._pos;
    const end = this._count;
    while (pos < end && ctl[CTL_STAGE_BASE + 2 * pos] <= t) {
      const slot = ctl[CTL_STAGE_BASE + 2 * pos + 1];
      pos++;
      if (slots.cancelled(slot)) {
        slots.free(slot);
        continue;
      }
      this._pos = pos;
      return slot;
    }
    this._pos = pos;
    return -1;
  }
}
