/**
 * The memory shared between the TypeScript wrapper and the C++ core.
 *
 * This file and `native/layout.h` describe the same three buffers and must
 * agree field for field. The native core never calls into JavaScript; the
 * wrapper never calls into C++ on `callSoon`, `callLater` or dispatch. All the
 * traffic goes through these buffers, and the wrapper crosses into C++ once per
 * loop iteration at most (`step`, whose inputs and outputs are ctl fields, so
 * no value is converted at the boundary), and only when timers are involved.
 *
 *   ctl    Float64Array[CTL_SIZE]  control block, written by both sides
 *   ready  Int32Array[2^k]         the ready ring (see below)
 *   ops    Float64Array[2 * OPS_CAPACITY]  timer commands, then released slots
 *
 * Callbacks and their arguments never leave JavaScript; C++ only moves small
 * integers. A ready-ring entry is a timer slot (>= 0: C++ appended it when the
 * timer came due; its callback sits in the wrapper's timer slot table) or a
 * negative code the wrapper wrote for a callSoon entry (its callback sits in
 * a JS array beside the ring, at the same position). C++ appends at the tail
 * and never reads entries.
 *
 * ops, in: pairs `[when, code]` in the order the wrapper issued them.
 *   code >= 0      add a timer for slot `code` due at `when`
 *   code <  0      cancel the timer of slot `-code - 1` (ignored if it is no
 *                  longer in the heap: it was already moved to `ready`)
 * ops, out: after a native call, `ops[0 .. ctl[CTL_OPS])` hold the slots of
 *   the cancelled timers the core removed from its heap; the wrapper frees them.
 *
 * Staging, virtual clock only: after a step, `ctl[CTL_STAGE_BASE ..]` holds
 * `ctl[CTL_STAGED]` (when, slot) pairs, the core's next timers in order, and
 * ctl[CTL_NEXT_WHEN] is the earliest timer after them. The wrapper may take a
 * prefix of them itself (stage.ts, and NativeCore._collectStaged); it writes how many
 * into ctl[CTL_STAGE_TAKEN] before its next call, and the core retires them
 * first. A timer the wrapper took is its own: it frees the slot, and the
 * core ignores a cancel command for it.
 */

/** ctl[CTL_HEAD]: ring index of the first ready slot. In and out. */
export const CTL_HEAD = 0;
/** ctl[CTL_COUNT]: number of ready slots. In and out (C++ appends due timers). */
export const CTL_COUNT = 1;
/** ctl[CTL_OPS]: in, pending command pairs; out, released slots written to ops. */
export const CTL_OPS = 2;
/** ctl[CTL_TIMERS]: out, live timers in the heap. */
export const CTL_TIMERS = 3;
/** ctl[CTL_NEXT_WHEN]: out, the earliest deadline in the heap (after an inexact flush, a lower bound), or +Infinity. */
export const CTL_NEXT_WHEN = 4;
/** ctl[CTL_NOW]: in (step), the loop's time; out, the time the due check used (after any wait or jump). */
export const CTL_NOW = 5;
/**
 * ctl[CTL_MORE]: out, > 0 when due timers stayed in the heap because the ring
 * was full: their number when the heap knows it (a sorted run), else 1.
 */
export const CTL_MORE = 6;
/** ctl[CTL_MAX_WAIT]: in (step), the longest wait for a timer in seconds (>= 0, may be Infinity). */
export const CTL_MAX_WAIT = 7;
/** ctl[CTL_VIRTUAL]: in (step), 1 on the virtual clock, 0 on the monotonic one. */
export const CTL_VIRTUAL = 8;
/** ctl[CTL_STAGED]: out, how many timers C++ published at CTL_STAGE_BASE (virtual clock only). */
export const CTL_STAGED = 9;
/** ctl[CTL_STAGE_TAKEN]: in, how many of the published timers the wrapper took itself since. */
export const CTL_STAGE_TAKEN = 10;
/**
 * ctl[CTL_EXACT]: in (flush), nonzero if ctl[CTL_NEXT_WHEN] must come back
 * exact; 0 lets it be a lower bound (cancelled timers stay at the heap's top
 * instead of being popped one by one). A step always returns it exact.
 */
export const CTL_EXACT = 11;
/** ctl[CTL_STAGE_BASE ..]: STAGE_CAPACITY (when, slot) pairs, the next timers in order. */
export const CTL_STAGE_BASE = 16;
/**
 * Timers published per crossing (staging). 64 lets a simulation cross about
 * once per 60 events; publishing 256 measured no better (benchmarks/PROFILE.md).
 */
export const STAGE_CAPACITY = 64;
/** Must equal the addon's `layoutVersion` (native/layout.h kLayoutVersion). */
export const LAYOUT_VERSION = 4;
/** Number of float64 fields in ctl. */
export const CTL_SIZE = CTL_STAGE_BASE + 2 * STAGE_CAPACITY;

/**
 * Command pairs buffered before a forced flush. 4096 pairs is 64 KiB: large
 * enough that the flush crossing is amortised to nothing, small enough to stay
 * in L2 while C++ replays it.
 */
export const OPS_CAPACITY = 4096;

/**
 * Command pairs of a new loop's buffer (1 KiB), doubled up to OPS_CAPACITY
 * as timers come (native setOps). Allocating the full 64 KiB up front made
 * an idle native loop cost six times an idle js one (W13).
 */
export const OPS_INITIAL_CAPACITY = 64;

/**
 * Initial ready-ring capacity (a power of two; the wrapper doubles it). Small
 * for the same reason: the ring and its two JS arrays beside it cost 20
 * bytes a place, and a burst grows them in a few doublings.
 */
export const READY_INITIAL_CAPACITY = 16;

/** Monotonic-clock resolution, seconds: a timer is due when `when < now + CLOCK_RESOLUTION`. */
export const CLOCK_RESOLUTION = 1e-9;
