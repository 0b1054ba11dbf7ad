/**
 * The monotonic clock shared by both cores: seconds on CLOCK_MONOTONIC (the
 * clock of `process.hrtime()` and of Python's `time.monotonic()` on Linux),
 * read through `performance.now()` because that call is several times cheaper
 * than `process.hrtime()` and allocates nothing.
 */
const perf = performance;

function computeOffsetMs(): number {
  // performance.now() counts from an origin on the same clock as hrtime; take
  // the tightest of a few paired readings to find that origin.
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 5; i++) {
    const a = perf.now();
    const hr = Number(process.hrtime.bigint()) / 1e6;
    const b = perf.now();
    if (b - a < best) {
      best = b - a;
      offset = hr - (a + b) / 2;
    }
  }
  return offset;
}

const offsetMs = computeOffsetMs();

/** Seconds on the monotonic clock. */
export function monotonic(): number {
  return (perf.now() + offsetMs) / 1000;
}

/**
 * Longest single blocking wait of the js core; a longer one is split (the
 * loop just waits again). A day, because all it guards against is an absurd
 * duration: Atomics.wait is woken by `worker.terminate()` (V8 interrupts a
 * futex wait), so a long wait leaves a blocked worker terminable. The native
 * core's cap is far shorter (`kMaxSleepSeconds`, 0.1 s, native/clock.h) for
 * the opposite reason: its sleep cannot be interrupted, so only short slices
 * keep a worker that blocks for hours terminable.
 */
export const MAX_SLEEP_SECONDS = 86400;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `seconds` without spinning; returns the time really slept. */
export function sleepSeconds(seconds: number): number {
  const start = monotonic();
  if (!(seconds > 0)) return 0;
  const s = seconds > MAX_SLEEP_SECONDS ? MAX_SLEEP_SECONDS : seconds;
  const deadline = start + s;
  let now = start;
  // Atomics.wait may wake early (spuriously or on ms rounding): wait again.
  while (now < deadline) {
    Atomics.wait(sleeper, 0, 0, (deadline - now) * 1000);
    now = monotonic();
  }
  return now - start;
}
