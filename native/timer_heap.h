// A 4-ary min-heap of timers ordered by (when, seq), with a position index
// so that a timer can be removed by its slot in O(log n).
//
// Knows nothing of N-API or of the loop: it stores plain (when, seq, slot)
// entries. `seq` is a strictly increasing insertion counter, so timers with
// equal deadlines leave the heap in the order they were added (libuv's
// start_id, Node's timer list id).
//
// Layout choices, all for cache behaviour with a million timers:
// - an entry is 16 bytes: the deadline, and one 64-bit key holding the
//   sequence number in its high 36 bits and the slot in its low 28 bits, so
//   comparing keys compares sequence numbers (slots never decide);
// - four children per node: half the depth of a binary heap, and the four
//   children of a node share one 64-byte cache line;
// - sifting moves a hole and writes the moving entry once (as Node's
//   priority_queue.js does) instead of swapping at every level;
// - a cancelled timer below the top is not sifted out: its entry becomes a
//   tombstone (its slot bits set to kDeadSlot, so its slot is free for reuse
//   at once) and is dropped when the top is next looked at, or when
//   tombstones pass half the heap and it is rebuilt in O(n) (asyncio's
//   compaction rule). So a cancel costs O(1) — cancelling a million timers
//   in deadline order would otherwise sift the root a million times — and
//   dead entries never outnumber live ones.
#pragma once

#include <cstdint>
#include <vector>

namespace aioloop {

struct TimerEntry {
  double when;
  uint64_t key;  // (seq << kSlotBits) | slot
};

class TimerHeap {
 public:
  static constexpr int32_t kAbsent = -1;
  static constexpr int kSlotBits = 28;
  static constexpr int32_t kMaxSlot = (int32_t{1} << kSlotBits) - 2;
  // The slot bits of a tombstone (never a real slot).
  static constexpr int32_t kDeadSlot = (int32_t{1} << kSlotBits) - 1;
  // Sequence numbers wrap after 2^36 (~69 billion) timers in one loop.
  static constexpr uint64_t kSeqMask = (uint64_t{1} << (64 - kSlotBits)) - 1;

  static int32_t SlotOf(const TimerEntry& e) {
    return static_cast<int32_t>(e.key & static_cast<uint64_t>(kDeadSlot));
  }

  // Live timers (tombstones not counted).
  size_t size() const { return heap_.size() - dead_; }
  bool empty() const { return heap_.size() == dead_; }
  // The earliest live timer. Precondition: !empty().
  const TimerEntry& top() {
    drop_dead_top();
    return heap_[0];
  }

  // True if `slot` currently names a timer in the heap.
  bool contains(int32_t slot) const {
    return slot >= 0 && static_cast<size_t>(slot) < pos_.size() &&
           pos_[slot] != kAbsent;
  }

  // Ensures the position index can hold `slot`. Returns false for a slot the
  // heap cannot hold, or one so far beyond the current table that growing to
  // it would be an absurd allocation (the caller rejects the slot).
  //
  // The wrapper hands out timer slots densely, so an honest slot is below
  // (timers indexed here) + (due timers still in its ready ring) + (timers
  // still in the command buffer). `ready_capacity` bounds the middle term and
  // kSlotSlack the last. Without the ring term, a burst of due timers behind
  // tens of thousands of ready callbacks got slots the table refused.
  bool reserve_slot(int32_t slot, size_t ready_capacity) {
    if (slot < 0 || slot > kMaxSlot) return false;
    size_t need = static_cast<size_t>(slot) + 1;
    if (need <= pos_.size()) return true;
    if (need > pos_.size() * 2 + ready_capacity + kSlotSlack) return false;
    size_t cap = pos_.size() < 1024 ? 1024 : pos_.size();
    while (cap < need) cap *= 2;
    pos_.resize(cap, kAbsent);
    return true;
  }

  // Precondition: reserve_slot(slot) returned true and !contains(slot).
  void push(double when, uint64_t seq, int32_t slot) {
    TimerEntry e{when, ((seq & kSeqMask) << kSlotBits) | static_cast<uint64_t>(slot)};
    heap_.push_back(e);
    sift_up(heap_.size() - 1, e);
  }

  // Precondition: !empty(). Returns the slot of the earliest timer.
  int32_t pop() {
    drop_dead_top();
    int32_t slot = SlotOf(heap_[0]);
    pos_[slot] = kAbsent;
    remove_root();
    return slot;
  }

  // Removes the timer of `slot` if present; returns whether it was.
  bool remove(int32_t slot) {
    if (!contains(slot)) return false;
    size_t i = static_cast<size_t>(pos_[slot]);
    pos_[slot] = kAbsent;
    heap_[i].key |= static_cast<uint64_t>(kDeadSlot);
    dead_++;
    if (dead_ >= kCompactMin && dead_ * 2 > heap_.size()) compact();
    return true;
  }

  void clear() {
    for (const TimerEntry& e : heap_) {
      if (SlotOf(e) != kDeadSlot) pos_[SlotOf(e)] = kAbsent;
    }
    heap_.clear();
    dead_ = 0;
  }

  // Gives the memory back (used by close()).
  void release() {
    std::vector<TimerEntry>().swap(heap_);
    std::vector<int32_t>().swap(pos_);
    dead_ = 0;
  }

 private:
  // Below this many tombstones a rebuild costs more than it saves.
  static constexpr size_t kCompactMin = 1024;
  static constexpr size_t kArity = 4;
  // Slack for the first allocation and for slots handed out ahead of use
  // (at least one full command buffer of new timers: kOpsCapacity).
  static constexpr size_t kSlotSlack = 1 << 16;

  static bool less(const TimerEntry& a, const TimerEntry& b) {
    return a.when < b.when || (a.when == b.when && a.key < b.key);
  }

  void place(size_t i, const TimerEntry& e) {
    heap_[i] = e;
    int32_t slot = SlotOf(e);
    if (slot != kDeadSlot) pos_[slot] = static_cast<int32_t>(i);
  }

  void remove_root() {
    TimerEntry last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
  }

  // Tombstones at the top leave, so that the top is live.
  void drop_dead_top() {
    while (!heap_.empty() && SlotOf(heap_[0]) == kDeadSlot) {
      remove_root();
      dead_--;
    }
  }

  // Drops every tombstone and rebuilds the heap bottom-up in O(n).
  void compact() {
    size_t n = 0;
    for (const TimerEntry& e : heap_) {
      if (SlotOf(e) != kDeadSlot) heap_[n++] = e;
    }
    heap_.resize(n);
    dead_ = 0;
    for (size_t i = 0; i < n; i++) pos_[SlotOf(heap_[i])] = static_cast<int32_t>(i);
    if (n < 2) return;
    for (size_t i = (n - 2) / kArity + 1; i-- > 0;) sift_down(i, heap_[i]);
  }

  void sift_up(size_t hole, TimerEntry e) {
    while (hole > 0) {
      size_t parent = (hole - 1) / kArity;
      if (!less(e, heap_[parent])) break;
      place(hole, heap_[parent]);
      hole = parent;
    }
    place(hole, e);
  }

  void sift_down(size_t hole, TimerEntry e) {
    size_t n = heap_.size();
    for (;;) {
      size_t first = kArity * hole + 1;
      if (first >= n) break;
      size_t last = first + kArity < n ? first + kArity : n;
      size_t best = first;
      for (size_t c = first + 1; c < last; c++) {
        if (less(heap_[c], heap_[best])) best = c;
      }
      if (!less(heap_[best], e)) break;
      place(hole, heap_[best]);
      hole = best;
    }
    place(hole, e);
  }

  std::vector<TimerEntry> heap_;
  std::vector<int32_t> pos_;  // slot -> index in heap_, or kAbsent
  size_t dead_ = 0;           // tombstones in heap_
};

}  // namespace aioloop
