// NativeLoop: the native half of a loop's core — its timers and the gathering
// step of each iteration. Knows nothing of N-API: the binding (addon.cc)
// hands it raw views of three buffers that JavaScript also reads and writes
// (layout.h, and the protocol in lib/backend/layout.ts). Its TypeScript
// counterpart, which keeps every callback, is NativeCore
// (lib/backend/native_core.ts), one of the two implementations of the
// `LoopCore` contract (lib/backend/core.ts).
//
//      JS wrapper                         C++ (this file)
//   callSoon:  ring[tail] = -1 (callback  --
//              beside it, in JS)
//   callLater: ops += (when, slot)        --
//   cancel:    ops += (0, -slot-1)        --
//   runOnce ------- step() (Collect) ---> replay ops into the timer queue,
//                                          wait (or jump the virtual clock)
//                                          until the earliest timer is due,
//                                          append due slots to the ring
//   run ring[head .. head+count)  <------ ctl: count, released slots, now,
//                                          how many due timers did not fit
//
// So the boundary is crossed at most once per iteration that involves timers
// (the wrapper skips it when something is ready and no timer can be due) and
// never per callSoon, per timer or per dispatched callback. Callbacks and their
// arguments stay in JavaScript: the core only ever moves small integers, and
// never calls a callback (the loop's _runOnce is the one place that does).
//
// Who holds what:
//   timer_heap.h   TimerHeap: a 4-ary heap of (when, seq, slot), a data structure
//   timer_queue.h  TimerQueue: slot liveness, the sorted run, staging
//   ready_ring.h   ReadyRing: appending due slots to the wrapper's ring
//   clock.h        the monotonic clock and the sliced sleep
//   this file      the protocol: validating ctl and ops, one step
//
// Staging (virtual clock only): at the end of a step the core publishes its
// next kStageCapacity timers, in order, as (when, slot) pairs in ctl, and keeps
// them at the front of its queue (TimerQueue::publish). Until its next crossing
// the wrapper may run iterations from them alone — jump to the first, move the
// due ones to the ring — as long as no timer outside them (in the queue, or
// added since) is due by then; at the next crossing it reports how many it
// took (ctl[stageTaken]) and the core retires those before anything else. A
// simulation whose every event is a timer then crosses once per ~60 events
// instead of once per event.
#pragma once

#include <cstddef>
#include <cstdint>

#include "layout.h"
#include "timer_queue.h"

namespace aioloop {

// Raw views of the shared buffers, taken fresh for every call.
struct SharedViews {
  double* ctl;            // kCtlSize fields
  int32_t* ready;         // ring of ready_capacity slots (a power of two)
  size_t ready_capacity;
  double* ops;            // ops_capacity pairs
  size_t ops_capacity;    // pairs the ops buffer holds (<= kOpsCapacity: it grows)
};

// What went wrong, if anything. Argument types are the binding's to check;
// everything the core itself rejects is a value out of range in the shared
// buffers, so the binding throws it as a RangeError. A null message means
// success.
struct Status {
  const char* message = nullptr;
  static Status Ok() { return Status{}; }
  static Status Range(const char* m) { return Status{m}; }
  bool ok() const { return message == nullptr; }
};

class NativeLoop {
 public:
  // Replays the pending commands into the timer queue and reports released
  // slots. ctl[kCtlNextWhen] comes back exact if ctl[kCtlExact] is nonzero,
  // else as a lower bound (cancelled timers at the heap's top stay there).
  Status Flush(const SharedViews& v);

  // One iteration's gathering step (asyncio's _run_once before the callbacks
  // run): replay commands; if nothing is ready and `max_wait > 0`, wait for the
  // earliest timer (sleep, or jump when `virtual_clock`); then move every due
  // timer to the ready ring in (when, seq) order. `now` is the loop's time
  // when the call starts. Sets *ready_count to the ring's new length.
  Status Collect(const SharedViews& v, double now, double max_wait,
                 bool virtual_clock, double* ready_count);

  // Drops every timer, keeping the memory.
  void Clear() { timers_.clear(); }
  // Drops every timer and frees the memory (loop.close()).
  void Release() { timers_.release(); }

 private:
  Status Retire(const SharedViews& v);
  Status ApplyOps(const SharedViews& v);
  void PublishTimers(const SharedViews& v, bool exact);

  TimerQueue timers_;
};

}  // namespace aioloop
