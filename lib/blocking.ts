/**
 * The blocking driver: `runForever` (and through it `runUntilComplete` and
 * `run`) owns the thread until the loop stops. Waiting for the next timer
 * really sleeps the thread inside the core (no busy spin), so nothing of
 * Node's — I/O, promises, timers — progresses meanwhile; hosted mode
 * (lib/hosted.ts) is the driver for programs that need it.
 *
 * A blocking run that can never make progress again (nothing ready, no
 * timer, and stop() not called) throws the would-wait-forever error instead
 * of hanging.
 */
import type { DrivenLoop } from './driver';
import { _setRunningLoop } from './events';
import { _keptFlushDue, _maintainWeakRefs } from './kept_objects';

/** Runs iterations of `loop` until `stop()`, with it as the running loop. */
export function runBlocking(loop: DrivenLoop): void {
  loop._beginRun(true);
  const prev = _setRunningLoop(loop);
  loop._busyBegin();
  try {
    for (;;) {
      // A loop stopped before its run still runs one iteration, without waiting.
      const n = loop._collect(loop._stopping ? 0 : Infinity);
      loop._runReady(n);
      if (loop._stopping) break;
      if (_keptFlushDue()) _maintainWeakRefs();
      if (n === 0 && loop._readyCount() === 0 && loop._nextWhen() === Infinity) {
        throw loop._wouldWaitForever(false);
      }
    }
  } finally {
    loop._busyEnd();
    loop._endRun();
    _setRunningLoop(prev);
  }
}
