#include "loop_core.h"

#include <cmath>
#include <limits>

#include "clock.h"

namespace aioloop {

namespace {

bool is_index(double d, double limit) {
  return d >= 0 && d <= limit && std::floor(d) == d;
}

constexpr double kMaxSlot = 2147483646.0;  // slots and ~slots fit in int32 (the heap checks its own, smaller limit)

}  // namespace

void LoopCore::PublishHeap(const SharedViews& v) {
  v.ctl[kCtlTimers] = static_cast<double>(heap_.size());
  v.ctl[kCtlNextWhen] = heap_.next_unpublished_when();
  v.ctl[kCtlStaged] = static_cast<double>(heap_.published());
}

Status LoopCore::Retire(const SharedViews& v) {
  double taken = v.ctl[kCtlStageTaken];
  if (!is_index(taken, static_cast<double>(heap_.published()))) {
    return Status::Range("ctl[stageTaken] must be an integer in [0, ctl[staged]]");
  }
  heap_.retire(static_cast<size_t>(taken));
  v.ctl[kCtlStageTaken] = 0;
  return Status::Ok();
}

Status LoopCore::ApplyOps(const SharedViews& v) {
  double pending = v.ctl[kCtlOps];
  if (!is_index(pending, static_cast<double>(kOpsCapacity))) {
    return Status::Range("ctl[ops] must be an integer in [0, OPS_CAPACITY]");
  }
  size_t n = static_cast<size_t>(pending);
  // Validate the whole batch first so that garbage never half-applies.
  for (size_t i = 0; i < n; i++) {
    double when = v.ops[2 * i];
    double code = v.ops[2 * i + 1];
    if (std::isnan(when)) return Status::Range("timer 'when' must not be NaN");
    if (!(std::floor(code) == code) || code > kMaxSlot || code < -kMaxSlot - 1) {
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
      if (heap_.contains(code) || !heap_.reserve_slot(code, v.ready_capacity)) {
        status = Status::Range("timer slot is already scheduled or out of range");
        continue;
      }
      heap_.push(when, code);
    } else {
      int32_t slot = -code - 1;
      if (heap_.remove(slot)) v.ops[released++] = static_cast<double>(slot);
    }
  }
  v.ctl[kCtlOps] = static_cast<double>(released);
  PublishHeap(v);
  return status;
}

Status LoopCore::Flush(const SharedViews& v) {
  Status status = Retire(v);
  if (!status.ok()) return status;
  return ApplyOps(v);
}

Status LoopCore::Collect(const SharedViews& v, double now, double max_wait,
                         bool virtual_clock, double* ready_count) {
  double cap = static_cast<double>(v.ready_capacity);
  double head_d = v.ctl[kCtlHead];
  double count_d = v.ctl[kCtlCount];
  if (!is_index(head_d, cap - 1)) return Status::Range("ctl[head] out of range");
  if (!is_index(count_d, cap)) return Status::Range("ctl[count] out of range");
  Status status = Retire(v);
  if (!status.ok()) return status;
  status = ApplyOps(v);
  if (!status.ok()) return status;

  size_t head = static_cast<size_t>(head_d);
  size_t count = static_cast<size_t>(count_d);
  if (count == 0 && !heap_.empty() && max_wait > 0) {
    double target = heap_.top().when;
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
  size_t mask = v.ready_capacity - 1;
  auto due = [virtual_clock, end](double when) {
    return virtual_clock ? when <= end : when < end;
  };
  size_t tail = head + count;
  count += heap_.pop_due(due, v.ready_capacity - count,
                         [&](int32_t slot) { v.ready[tail++ & mask] = slot; });
  double more = 0;
  if (count == v.ready_capacity && !heap_.empty() && due(heap_.top().when)) {
    size_t known = heap_.run_size();
    more = known > 0 ? static_cast<double>(known) : 1;
  }
  v.ctl[kCtlCount] = static_cast<double>(count);
  v.ctl[kCtlNow] = now;
  v.ctl[kCtlMore] = more;
  // On the virtual clock, show the wrapper the next timers: it can then run
  // the iterations that only need them without crossing (native_core.ts).
  if (virtual_clock && more == 0) heap_.publish(kStageCapacity, v.ctl + kCtlStageBase);
  PublishHeap(v);
  *ready_count = static_cast<double>(count);
  return status;
}

}  // namespace aioloop
