/**
 * Seeded timing jitter for the virtual clock (`new Loop({ clock: 'virtual',
 * jitter: { seed, max } })`).
 *
 * A real clock never fires a timer exactly at its deadline: the OS wakes the
 * thread late, other callbacks run first. Races hide in that slack, and a
 * virtual clock that fires every timer on the dot never shows them. With
 * jitter, every timer the loop schedules (`callLater`, `callAt`, a task's
 * `sleep`) fires late by a pseudo-random amount in `[0, max)` seconds drawn
 * from a generator seeded with `seed` — never early, as on a real clock. One
 * seed is one deterministic schedule out of the many a real machine could
 * produce; `explore()` (lib/explore.ts) tries many.
 *
 * Where it acts: the loop adds the lateness to the deadline before the core
 * sees it (one draw per timer, in scheduling order), so both cores get the
 * identical deadlines and produce the identical trace; `callSoon` is not
 * touched (its FIFO order is a guarantee, not timing). `TimerHandle.when()`
 * reports the deadline the timer really fires at (the late one), as on a real
 * clock where `when()` is the time the loop schedules it for, not a promise
 * of the wall-clock moment.
 *
 * The generator is splitmix32-style mulberry32: 32 bits of state, a few
 * integer operations a draw, and the same sequence on every platform (only
 * 32-bit integer arithmetic and one exact division by 2^32).
 */
import { checkOptions, describe } from './validate';

/** The jitter options of a virtual-clock Loop. */
export interface JitterOptions {
  /** Seeds the generator: an integer in [0, 2^32). One seed, one schedule. */
  seed: number;
  /** The largest lateness, seconds (finite, >= 0). Every timer fires late by an amount in [0, max). */
  max: number;
}

/** The largest seed: seeds are 32-bit. */
export const MAX_SEED = 0xffff_ffff;

/** @internal Throws unless `seed` is an integer in [0, 2^32). */
export function checkSeed(seed: unknown, name: string, what: string): number {
  if (typeof seed !== 'number') throw new TypeError(`${what}: ${name} must be a number, got ${describe(seed)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`${what}: ${name} must be an integer in [0, ${MAX_SEED}], got ${seed}`);
  }
  return seed;
}

/** @internal Throws unless `max` is a finite number >= 0. */
export function checkMaxJitter(max: unknown, name: string, what: string): number {
  if (typeof max !== 'number') throw new TypeError(`${what}: ${name} must be a number, got ${describe(max)}`);
  if (!(max >= 0) || max === Infinity) {
    throw new RangeError(`${what}: ${name} must be a finite number >= 0, got ${max}`);
  }
  return max;
}

/** @internal Checks a Loop's `jitter` option (undefined: none). */
export function checkJitterOptions(jitter: unknown, what: string): JitterOptions | undefined {
  if (jitter === undefined) return undefined;
  if (jitter === null || typeof jitter !== 'object') {
    throw new TypeError(`${what}: jitter must be an object { seed, max }, got ${describe(jitter)}`);
  }
  const opts = checkOptions(jitter, what);
  return { seed: checkSeed(opts.seed, 'jitter.seed', what), max: checkMaxJitter(opts.max, 'jitter.max', what) };
}

/** 2^-32: maps a 32-bit unsigned integer to [0, 1) exactly. */
const UINT32_TO_UNIT = 1 / 4294967296;

/** @internal The seeded lateness source of one loop. */
export class Jitter {
  readonly seed: number;
  readonly max: number;
  private _state: number;

  constructor(options: JitterOptions) {
    this.seed = options.seed;
    this.max = options.max;
    this._state = options.seed >>> 0;
  }

  /** The next value in [0, 1) (mulberry32). */
  next(): number {
    this._state = (this._state + 0x6d2b79f5) >>> 0;
    let t = this._state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) * UINT32_TO_UNIT;
  }

  /** `when` made late by the next draw (one draw per timer, also for an infinite `when`). */
  late(when: number): number {
    return when + this.next() * this.max;
  }
}
