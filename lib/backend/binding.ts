/**
 * The types of what the addon (native/addon.cc) exports. Only the loader
 * (loader.ts) loads it; only NativeCore (native_core.ts) drives it.
 */

/**
 * The raw C++ core (addon.cc's `Core`, over native/native_loop.h's
 * NativeLoop): the methods production uses. Their inputs and outputs are
 * the shared buffers (layout.ts).
 */
export interface RawCore {
  attach(ctl: ArrayBuffer, ready: ArrayBuffer, ops: ArrayBuffer): void;
  setReady(ready: ArrayBuffer): void;
  /** The wrapper grew its command buffer (it starts small, doubles up to OPS_CAPACITY). */
  setOps(ops: ArrayBuffer): void;
  flush(): void;
  step(): void;
  close(): void;
}

/**
 * The test entry's core (`binding.testing.Core`): the same class with the
 * methods only tests and tools use.
 */
export interface RawTestingCore extends RawCore {
  /** step() with its inputs as arguments; returns ctl[CTL_COUNT]. */
  collect(now: number, maxWait: number, virtualClock: boolean): number;
  /** Drops every timer, keeping the memory. */
  clear(): void;
  isClosed(): boolean;
}

/** What the addon exports. */
export interface NativeBinding {
  Core: new () => RawCore;
  layoutVersion: number;
  /** The one test entry: nothing in production touches it. */
  testing: {
    Core: new () => RawTestingCore;
    /** The clock the C++ core measures its sleeps with, in seconds. */
    monotonic(): number;
  };
}
