#include "native_loop.h"

#include <cmath>
#include <limits>

#include "clock.h"
#include "ready_ring.h"

namespace aioloop {

namespace {

bool is_index(double d, double limit) {
  return d >= 0 && d <= limit && std::floor(d) == d;
}

// The range of a timer command's code that converts to int32 (and whose
// cancel form -code - 1 does too). This only makes the conversion defined: a
// slot must also pass TimerQueue::reserve_slot, whose limit (kMaxSlot) is far
// smaller, and is rejected there on its own, without voiding the batch.
constexpr double kMaxCommandCode = std::numeric_limits<int32_t>::max() - 1.0;

}  // namespace

void NativeLoop::PublishTimers(const SharedViews& v, bool exact) {
  v.ctl[kCtlTimers] = static_cast<double>(timers_.size());
  v.ctl[kCtlNextWhen] = exact ? timers_.next_unpublished_when() : timers_.next_unpublished_when_bound();
  v.ctl[kCtlStaged] = static_cast<double>(timers_.published());
}

Status NativeLoop::Retire(const SharedViews& v) {
  double taken = v.ctl[kCtlStageTaken];
  if (!is_index(taken, static_cast<double>(timers_.published()))) {
    return Status::Range("ctl[stageTaken] must be an integer in [0, ctl[staged]]");
  }
  timers_.retire(static_cast<size_t>(taken));
  v.ctl[kCtlStageTaken] = 0;
  return Status::Ok();
}

Status NativeLoop::ApplyOps(const SharedViews& v) {
  double pending = v.ctl[kCtlOps];
  if (!is_index(pending, static_cast<double>(v.ops_capacity))) {
    return Status::Range("ctl[ops] must be an integer in [0, the ops buffer's capacity]");
  }
  size_t n = static_cast<size_t>(pending);
  // Validate the whole batch first so that garbage never half-applies.
  for (size_t i = 0; i < n; i++) {
    double when = v.ops[2 * i];
    double code = v.ops[2 * i + 1];
    if (std::isnan(when)) return Status::Range("timer 'when' must not be NaN");
    if (!(std::floor(code) == code) || code > kMaxCommandCode || code < -kMaxCommandCode - 1) {
      return Status::Range("timer command must be an integer slot");
    }
  }
  Status status = Status::Ok();
  size_t released = 0;
  for (size_t i = 0; i < n; i++) {
    // Read the pair before anything is written: released slots are written
    // over the front of the same buffer, never ahead of the read position.
    double when = v.ops[2 * i];
    int32_t code = static_cast<int32_t>(v.ops[2 * i + 1]);
    if (code >= 0) {
      if (timers_.contains(code) || !timers_.reserve_slot(code, v.ready_capacity)) {
        status = Status::Range("timer slot is already scheduled or out of range");
        continue;
      }
      timers_.push(when, code);
    } else {
      int32_t slot = -code - 1;
      if (timers_.remove(slot)) v.ops[released++] = static_cast<double>(slot);
    }
  }
  v.ctl[kCtlOps] = static_cast<double>(released);
  return status;
}

Status NativeLoop::Flush(const SharedViews& v) {
  Status status = Retire(v);
  if (!status.ok()) return status;
  status = ApplyOps(v);
  // A flush because the command buffer filled up needs no exact deadline
  // (the next step computes one), and making it exact pops every cancelled
  // timer at the heap's top one by one: a program that cancels most of its
  // timers in the order it made them (timeouts that did not fire) paid a
  // heap sift per cancel for it (W4: 591 of 4,860 instructions per timer).
  PublishTimers(v, v.ctl[kCtlExact] != 0);
  return status;
}

Status NativeLoop::Collect(const SharedViews& v, double now, double max_wait,
                           bool virtual_clock, double* ready_count) {
  double cap = static_cast<double>(v.ready_capacity);
  double head_d = v.ctl[kCtlHead];
  double count_d = v.ctl[kCtlCount];
  if (!is_index(head_d, cap - 1)) return Status::Range("ctl[head] out of range");
  if (!is_index(count_d, cap)) return Status::Range("ctl[count] out of range");
  Status status = Retire(v);
  if (!status.ok()) return status;
  status = ApplyOps(v);
  if (!status.ok()) {
    PublishTimers(v, true);
    return status;
  }

  ReadyRing ring(v.ready, v.ready_capacity, static_cast<size_t>(head_d), static_cast<size_t>(count_d));
  if (ring.count() == 0 && !timers_.empty() && max_wait > 0) {
    double target = timers_.top().when;
    if (virtual_clock) {
      // Nothing to do until the next timer: time jumps straight to it.
      if (std::isfinite(target) && target > now) now = target;
    } else {
      double deadline = now + max_wait;
      if (target < deadline) deadline = target;
      if (std::isfinite(deadline) && deadline > now) {
        now += sleep_for_seconds(deadline - now);
      }
    }
  }

  // On the virtual clock time only moves by jumps, so "due" is exact; on the
  // monotonic clock anything within the clock's resolution counts as due.
  double end = virtual_clock ? now : now + kClockResolution;
  auto due = [virtual_clock, end](double when) {
    return virtual_clock ? when <= end : when < end;
  };
  timers_.pop_due(due, ring.room(), [&ring](int32_t slot) { ring.push(slot); });
  double more = 0;
  if (ring.full() && !timers_.empty() && due(timers_.top().when)) {
    size_t known = timers_.run_size();
    more = known > 0 ? static_cast<double>(known) : 1;
  }
  double count = static_cast<double>(ring.count());
  v.ctl[kCtlCount] = count;
  v.ctl[kCtlNow] = now;
  v.ctl[kCtlMore] = more;
  // On the virtual clock, show the wrapper the next timers: it can then run
  // the iterations that only need them without crossing (native_core.ts).
  if (virtual_clock && more == 0) timers_.publish(kStageCapacity, v.ctl + kCtlStageBase);
  PublishTimers(v, true);
  *ready_count = count;
  return status;
}

}  // namespace aioloop
