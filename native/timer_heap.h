// A binary min-heap of timers ordered by (when, seq), with a position index
// so that a timer can be removed by its slot in O(log n).
//
// Knows nothing of N-API or of the loop: it stores plain (when, seq, slot)
// triples. `seq` is a strictly increasing insertion counter, so timers with
// equal deadlines leave the heap in the order they were added (libuv's
// start_id, Node's timer list id). Sifting moves a hole and writes the moving
// entry once (as in Node's priority_queue.js) instead of swapping at every
// level.
#pragma once

#include <cstdint>
#include <vector>

namespace aioloop {

struct TimerEntry {
  double when;
  uint64_t seq;
  int32_t slot;
};

class TimerHeap {
 public:
  static constexpr int32_t kAbsent = -1;

  size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }
  const TimerEntry& top() const { return heap_[0]; }

  // True if `slot` currently names a timer in the heap.
  bool contains(int32_t slot) const {
    return slot >= 0 && static_cast<size_t>(slot) < pos_.size() &&
           pos_[slot] != kAbsent;
  }

  // Ensures the position index can hold `slot`. Returns false if growing it
  // would need an absurd allocation (the caller rejects the slot).
  //
  // The wrapper hands out slots densely over every live handle, ready or
  // timer, so an honest slot is below (timers indexed here) + (handles in its
  // ready ring) + (timers still in the command buffer). `ready_capacity`
  // bounds the middle term: the ring always holds every ready handle. Without
  // it, a timer scheduled behind tens of thousands of ready callbacks got a
  // slot the table refused, and was lost.
  bool reserve_slot(int32_t slot, size_t ready_capacity) {
    if (slot < 0) return false;
    size_t need = static_cast<size_t>(slot) + 1;
    if (need <= pos_.size()) return true;
    // A slot far beyond that bound is garbage, not a reason to allocate
    // gigabytes.
    if (need > pos_.size() * 2 + ready_capacity + kSlotSlack) return false;
    size_t cap = pos_.size() < 1024 ? 1024 : pos_.size();
    while (cap < need) cap *= 2;
    pos_.resize(cap, kAbsent);
    return true;
  }

  // Precondition: reserve_slot(slot) returned true and !contains(slot).
  void push(double when, uint64_t seq, int32_t slot) {
    heap_.push_back(TimerEntry{when, seq, slot});
    sift_up(heap_.size() - 1, heap_.back());
  }

  // Precondition: !empty().
  TimerEntry pop() {
    TimerEntry first = heap_[0];
    pos_[first.slot] = kAbsent;
    TimerEntry last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
    return first;
  }

  // Removes the timer of `slot` if present; returns whether it was.
  bool remove(int32_t slot) {
    if (!contains(slot)) return false;
    size_t i = static_cast<size_t>(pos_[slot]);
    pos_[slot] = kAbsent;
    TimerEntry last = heap_.back();
    heap_.pop_back();
    if (i < heap_.size()) {
      // The moved entry may belong above or below the hole.
      if (i > 0 && less(last, heap_[(i - 1) / 2])) {
        sift_up(i, last);
      } else {
        sift_down(i, last);
      }
    }
    return true;
  }

  void clear() {
    for (const TimerEntry& e : heap_) pos_[e.slot] = kAbsent;
    heap_.clear();
  }

  // Gives the memory back (used by close()).
  void release() {
    std::vector<TimerEntry>().swap(heap_);
    std::vector<int32_t>().swap(pos_);
  }

 private:
  // Slack for the first allocation and for slots handed out ahead of use
  // (at least one full command buffer of new timers: kOpsCapacity).
  static constexpr size_t kSlotSlack = 1 << 16;

  static bool less(const TimerEntry& a, const TimerEntry& b) {
    return a.when < b.when || (a.when == b.when && a.seq < b.seq);
  }

  void place(size_t i, const TimerEntry& e) {
    heap_[i] = e;
    pos_[e.slot] = static_cast<int32_t>(i);
  }

  void sift_up(size_t hole, TimerEntry e) {
    while (hole > 0) {
      size_t parent = (hole - 1) / 2;
      if (!less(e, heap_[parent])) break;
      place(hole, heap_[parent]);
      hole = parent;
    }
    place(hole, e);
  }

  void sift_down(size_t hole, TimerEntry e) {
    size_t n = heap_.size();
    for (;;) {
      size_t child = 2 * hole + 1;
      if (child >= n) break;
      if (child + 1 < n && less(heap_[child + 1], heap_[child])) child++;
      if (!less(heap_[child], e)) break;
      place(hole, heap_[child]);
      hole = child;
    }
    place(hole, e);
  }

  std::vector<TimerEntry> heap_;
  std::vector<int32_t> pos_;  // slot -> index in heap_, or kAbsent
};

}  // namespace aioloop
