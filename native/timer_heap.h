// A 4-ary min-heap of timer entries ordered by (when, seq): a data structure
// and nothing else (libuv's heap-inl.h is the model). It knows nothing of
// N-API, of the loop, of slots or of staging; timer_queue.h builds the timers
// of one loop on top of it.
//
// Tombstones: the heap never searches for an entry. Its owner decides which
// entries are dead (a cancelled timer stays in the array as a tombstone) and
// passes that test as a `live` predicate to the operations that drop them: at
// the top (drop_dead_top) or all at once (keep_if). So a cancel costs its
// owner O(1) and the heap writes nothing but its own array — a position index
// would cost a scattered write per level moved.
//
// Layout choices, all for cache behaviour with a million timers:
// - an entry is 16 bytes: the deadline, the sequence number, the slot;
// - four children per node: half the depth of a binary heap, and the four
//   children of a node share one 64-byte cache line;
// - sifting moves a hole and writes the moving entry once (as Node's
//   priority_queue.js does) instead of swapping at every level;
// - bulk changes (keep_if, append) rebuild bottom-up in O(n).
//
// `seq` breaks ties: entries with equal deadlines leave in seq order (libuv's
// start_id, Node's timer list id), so the owner gets FIFO order for equal
// deadlines by numbering its timers in the order they were added.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace aioloop {

struct TimerEntry {
  double when;
  uint32_t seq;
  uint32_t slot;
};

// The heap order: earlier deadline first, then lower sequence number.
inline bool TimerBefore(const TimerEntry& a, const TimerEntry& b) {
  return a.when < b.when || (a.when == b.when && a.seq < b.seq);
}

// TimerBefore as a type, so that std::sort and std::upper_bound inline it.
struct TimerOrder {
  bool operator()(const TimerEntry& a, const TimerEntry& b) const { return TimerBefore(a, b); }
};

class TimerHeap {
 public:
  // Entries held, tombstones included.
  size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }

  // The least entry (live or not). Precondition: !empty().
  const TimerEntry& top() const { return heap_[0]; }

  void push(const TimerEntry& e) {
    heap_.push_back(e);
    sift_up(heap_.size() - 1, e);
  }

  // Removes the least entry. Precondition: !empty().
  void pop() {
    TimerEntry last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
  }

  // Pops tombstones off the top until the top is live or the heap is empty.
  // Returns how many it dropped.
  template <class Live>
  size_t drop_dead_top(Live live) {
    size_t dropped = 0;
    while (!heap_.empty() && !live(heap_[0])) {
      pop();
      dropped++;
    }
    return dropped;
  }

  // Keeps the entries for which keep(e) is true, in one linear pass (keep may
  // copy the others elsewhere), and rebuilds the heap in O(n).
  template <class Keep>
  void keep_if(Keep keep) {
    // Through a raw pointer and a fixed length: `keep` may grow another
    // vector, which the compiler cannot prove leaves this one alone.
    TimerEntry* a = heap_.data();
    const size_t size = heap_.size();
    size_t n = 0;
    for (size_t i = 0; i < size; i++) {
      const TimerEntry e = a[i];
      if (keep(e)) a[n++] = e;
    }
    heap_.resize(n);
    heapify();
  }

  // Adds entries in bulk and rebuilds the heap in O(n).
  void append(const TimerEntry* first, const TimerEntry* last) {
    heap_.insert(heap_.end(), first, last);
    heapify();
  }

  // Sorts the entries (a sorted array is a valid heap) and hands each one, in
  // order, to renumber(e), which may change e.seq provided the order stays.
  template <class Renumber>
  void sort_and_renumber(Renumber renumber) {
    std::sort(heap_.begin(), heap_.end(), TimerOrder{});
    for (TimerEntry& e : heap_) renumber(e);
  }

  template <class Visit>
  void for_each(Visit visit) const {
    for (const TimerEntry& e : heap_) visit(e);
  }

  void clear() { heap_.clear(); }

  // Gives the memory back.
  void release() { std::vector<TimerEntry>().swap(heap_); }

 private:
  static constexpr size_t kArity = 4;

  void heapify() {
    size_t n = heap_.size();
    if (n < 2) return;
    for (size_t i = (n - 2) / kArity + 1; i-- > 0;) sift_down(i, heap_[i]);
  }

  void sift_up(size_t hole, TimerEntry e) {
    while (hole > 0) {
      size_t parent = (hole - 1) / kArity;
      if (!TimerBefore(e, heap_[parent])) break;
      heap_[hole] = heap_[parent];
      hole = parent;
    }
    heap_[hole] = e;
  }

  void sift_down(size_t hole, TimerEntry e) {
    size_t n = heap_.size();
    for (;;) {
      size_t first = kArity * hole + 1;
      if (first >= n) break;
      size_t last = first + kArity < n ? first + kArity : n;
      size_t best = first;
      for (size_t c = first + 1; c < last; c++) {
        if (TimerBefore(heap_[c], heap_[best])) best = c;
      }
      if (!TimerBefore(heap_[best], e)) break;
      heap_[hole] = heap_[best];
      hole = best;
    }
    heap_[hole] = e;
  }

  std::vector<TimerEntry> heap_;
};

}  // namespace aioloop
