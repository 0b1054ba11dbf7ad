// A 4-ary min-heap of timers ordered by (when, seq), from which a timer can
// be removed by its slot in O(1) (lazily, see below).
//
// Knows nothing of N-API or of the loop: it stores plain (when, seq, slot)
// entries. `seq` is a strictly increasing insertion counter, so timers with
// equal deadlines leave the heap in the order they were added (libuv's
// start_id, Node's timer list id). It is 32 bits: when it would wrap, the
// live timers are renumbered 0..n-1 in their order (renumber(), once per
// four billion timers), so it is exact for ordering and liveness forever.
//
// Layout choices, all for cache behaviour with a million timers:
// - an entry is 16 bytes: the deadline, the sequence number, the slot;
// - four children per node: half the depth of a binary heap, and the four
//   children of a node share one 64-byte cache line;
// - sifting moves a hole and writes the moving entry once (as Node's
//   priority_queue.js does) instead of swapping at every level;
// - no position index: an entry is live while `seq_of_[slot]` still holds
//   its sequence number. A cancel only clears that (O(1)); the entry, now a
//   tombstone, is dropped when it reaches the top, or when tombstones pass
//   half the heap and it is rebuilt in O(n) (asyncio's compaction rule). The
//   slot is free for reuse at once: its next timer has a new sequence
//   number. Sifting therefore writes nothing but the heap itself — a
//   position index costs a scattered write per level moved — and dead
//   entries never outnumber live ones;
// - many timers due at once leave in bulk: popping a large heap costs a
//   cache miss per level per timer, so once 1/kBulkShare of the heap has
//   come due in one pop_due call, the due entries are split off in one
//   linear pass and sorted (`run_`, a sorted run in front of the heap).
//
//        run_[run_pos_ ..]   sorted, every entry earlier than any in heap_
//        heap_               4-ary heap
//
// Every entry of the run is earlier than every entry of the heap. The run
// is made two ways: by pop_due's split (timers all due, drained at once), and
// by publish(), which moves the next few timers to the front so that the
// wrapper can see them (staging, on the virtual clock: see loop_core.h). A
// push earlier than the run's last entry goes into the run at its place when
// the run is short, else the run is merged back into the heap first.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace aioloop {

struct TimerEntry {
  double when;
  uint32_t seq;
  uint32_t slot;
};

// Renumbering starts when the sequence counter reaches this. A build may
// lower it (the sanitizer build does, so that its tests cross it often).
#ifndef AIOLOOP_SEQ_LIMIT
#define AIOLOOP_SEQ_LIMIT 0xFFFFFFF0u
#endif

class TimerHeap {
 public:
  static constexpr int32_t kMaxSlot = (int32_t{1} << 28) - 2;
  // seq_of_ of a slot with no timer (never a sequence number: see kSeqLimit).
  static constexpr uint32_t kNoTimer = ~uint32_t{0};
  static constexpr uint32_t kSeqLimit = AIOLOOP_SEQ_LIMIT;
  static constexpr uint32_t kSeqCeiling = 0xFFFFFFF0u;
  static_assert(kSeqLimit > 0 && kSeqLimit <= kSeqCeiling, "AIOLOOP_SEQ_LIMIT out of range");

  static int32_t SlotOf(const TimerEntry& e) { return static_cast<int32_t>(e.slot); }

  // Live timers (tombstones not counted).
  size_t size() const { return stored() - dead_; }
  bool empty() const { return stored() == dead_; }
  // The earliest live timer. Precondition: !empty().
  const TimerEntry& top() {
    drop_dead_top();
    return run_pos_ < run_.size() ? run_[run_pos_] : heap_[0];
  }

  // Entries left in the sorted run (tombstones included), 0 if none.
  size_t run_size() const { return run_.size() - run_pos_; }

  // Staging. publish(k, out) moves the next (up to) k live timers to the
  // front of the run and writes them to out as (when, slot) pairs; the
  // caller may then take a prefix of them itself and report how many with
  // retire(taken) before anything else touches the heap. Returns how many
  // were published.
  size_t publish(size_t k, double* out) {
    published_ = 0;
    if (run_pos_ < run_.size()) {
      // Drop tombstones from the run, so that only live timers are shown.
      size_t keep = run_pos_;
      for (size_t i = run_pos_; i < run_.size(); i++) {
        if (live(run_[i])) run_[keep++] = run_[i];
        else dead_--;
      }
      run_.resize(keep);
    }
    while (run_.size() - run_pos_ < k) {
      drop_dead_heap_top();
      if (heap_.empty()) break;
      run_.push_back(heap_[0]);
      remove_root();
    }
    size_t n = run_.size() - run_pos_;
    if (n > k) n = k;
    for (size_t i = 0; i < n; i++) {
      out[2 * i] = run_[run_pos_ + i].when;
      out[2 * i + 1] = static_cast<double>(run_[run_pos_ + i].slot);
    }
    published_ = n;
    return n;
  }

  size_t published() const { return published_; }

  // The caller took the first `taken` published timers (taken <= published()).
  void retire(size_t taken) {
    for (size_t i = 0; i < taken; i++) {
      const TimerEntry& e = run_[run_pos_ + i];
      if (live(e)) seq_of_[e.slot] = kNoTimer;
      else dead_--;
    }
    run_pos_ += taken;
    published_ = 0;
    if (run_pos_ == run_.size()) clear_run();
  }

  // The deadline of the earliest live timer that is not published, or +inf.
  double next_unpublished_when() {
    size_t i = run_pos_ + published_;
    while (i < run_.size() && !live(run_[i])) i++;
    if (i < run_.size()) return run_[i].when;
    drop_dead_heap_top();
    return heap_.empty() ? std::numeric_limits<double>::infinity() : heap_[0].when;
  }

  // True if `slot` currently names a timer in the heap.
  bool contains(int32_t slot) const {
    return slot >= 0 && static_cast<size_t>(slot) < seq_of_.size() &&
           seq_of_[slot] != kNoTimer;
  }

  // Ensures the slot table can hold `slot`. Returns false for a slot the
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
    if (need <= seq_of_.size()) return true;
    if (need > seq_of_.size() * 2 + ready_capacity + kSlotSlack) return false;
    size_t cap = seq_of_.size() < 1024 ? 1024 : seq_of_.size();
    while (cap < need) cap *= 2;
    seq_of_.resize(cap, kNoTimer);
    return true;
  }

  // Precondition: reserve_slot(slot) returned true and !contains(slot).
  void push(double when, int32_t slot) {
    published_ = 0;
    if (next_seq_ >= seq_limit_) renumber();
    uint32_t seq = next_seq_++;
    TimerEntry e{when, seq, static_cast<uint32_t>(slot)};
    seq_of_[slot] = seq;
    if (run_pos_ < run_.size() && less(e, run_.back())) {
      if (run_.size() - run_pos_ <= kRunInsertMax) {
        // Into the short run at its place (after every earlier entry).
        auto at = std::upper_bound(run_.begin() + static_cast<std::ptrdiff_t>(run_pos_), run_.end(), e, Less{});
        run_.insert(at, e);
        return;
      }
      merge_run();
    }
    heap_.push_back(e);
    sift_up(heap_.size() - 1, e);
  }

  // Precondition: !empty(). Returns the slot of the earliest timer.
  int32_t pop() {
    drop_dead_top();
    int32_t slot;
    if (run_pos_ < run_.size()) {
      slot = SlotOf(run_[run_pos_++]);
      if (run_pos_ == run_.size()) clear_run();
    } else {
      slot = SlotOf(heap_[0]);
      remove_root();
    }
    seq_of_[slot] = kNoTimer;
    return slot;
  }

  // Hands the slots of due timers (`due(when)` is true) to `emit`, earliest
  // first, at most `room` of them, and returns how many. Pops one by one
  // while that is cheap; once a kBulkShare of the heap has come due in this
  // call, splits the rest of the due timers off into a sorted run.
  template <class Due, class Emit>
  size_t pop_due(Due due, size_t room, Emit emit) {
    size_t taken = 0;
    size_t budget = heap_.size() / kBulkShare;
    if (budget < kBulkMin) budget = kBulkMin;
    while (taken < room && !empty()) {
      if (!due(top().when)) break;
      if (taken == budget) {
        if (run_pos_ < run_.size()) merge_run();
        split_due(due);
      }
      emit(pop());
      taken++;
    }
    return taken;
  }

  // Removes the timer of `slot` if present; returns whether it was.
  bool remove(int32_t slot) {
    if (!contains(slot)) return false;
    seq_of_[slot] = kNoTimer;
    dead_++;
    if (dead_ >= kCompactMin && dead_ * 2 > stored()) compact();
    return true;
  }

  void clear() {
    for (const TimerEntry& e : heap_) {
      if (live(e)) seq_of_[SlotOf(e)] = kNoTimer;
    }
    for (size_t i = run_pos_; i < run_.size(); i++) {
      if (live(run_[i])) seq_of_[SlotOf(run_[i])] = kNoTimer;
    }
    heap_.clear();
    clear_run();
    published_ = 0;
    dead_ = 0;
    next_seq_ = 0;
    seq_limit_ = kSeqLimit;
  }

  // Gives the memory back (used by close()).
  void release() {
    std::vector<TimerEntry>().swap(heap_);
    std::vector<TimerEntry>().swap(run_);
    std::vector<uint32_t>().swap(seq_of_);
    run_pos_ = 0;
    published_ = 0;
    dead_ = 0;
    next_seq_ = 0;
    seq_limit_ = kSeqLimit;
  }

 private:
  // Below this many tombstones a rebuild costs more than it saves.
  static constexpr size_t kCompactMin = 1024;
  static constexpr size_t kArity = 4;
  // pop_due splits the due timers off after popping this share of the heap
  // (1/64) in one call, and never before kBulkMin pops: one linear pass and
  // a sort then cost less than the cache misses of the pops they replace.
  static constexpr size_t kBulkShare = 64;
  static constexpr size_t kBulkMin = 1024;
  // A push earlier than the run's end is inserted into a run up to this long
  // (an O(length) move); a longer run is merged back into the heap first.
  static constexpr size_t kRunInsertMax = 256;
  // A drained run keeps its buffer up to this many entries (1 MiB).
  static constexpr size_t kRunKeep = 1 << 16;
  // Slack for the first allocation and for slots handed out ahead of use
  // (at least one full command buffer of new timers: kOpsCapacity).
  static constexpr size_t kSlotSlack = 1 << 16;

  static bool less(const TimerEntry& a, const TimerEntry& b) {
    return a.when < b.when || (a.when == b.when && a.seq < b.seq);
  }
  // `less` as a type, so that std::sort inlines it.
  struct Less {
    bool operator()(const TimerEntry& a, const TimerEntry& b) const { return less(a, b); }
  };

  bool live(const TimerEntry& e) const { return seq_of_[e.slot] == e.seq; }

  // Entries held, tombstones included.
  size_t stored() const { return heap_.size() + (run_.size() - run_pos_); }

  void remove_root() {
    TimerEntry last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
  }

  // Tombstones at the front leave, so that the front is live.
  void drop_dead_top() {
    while (run_pos_ < run_.size() && !live(run_[run_pos_])) {
      run_pos_++;
      dead_--;
    }
    if (run_pos_ != 0 && run_pos_ == run_.size()) clear_run();
    drop_dead_heap_top();
  }

  void drop_dead_heap_top() {
    while (!heap_.empty() && !live(heap_[0])) {
      remove_root();
      dead_--;
    }
  }

  void clear_run() {
    run_.clear();
    run_pos_ = 0;
    if (run_.capacity() > kRunKeep) std::vector<TimerEntry>().swap(run_);
  }

  // Moves every due live entry of the heap into a sorted run (dropping the
  // heap's tombstones) and rebuilds the heap from the rest. Precondition:
  // no run pending.
  template <class Due>
  void split_due(Due due) {
    clear_run();
    size_t keep = 0;
    for (const TimerEntry& e : heap_) {
      if (!live(e)) {
        dead_--;
        continue;
      }
      if (due(e.when)) run_.push_back(e);
      else heap_[keep++] = e;
    }
    heap_.resize(keep);
    std::sort(run_.begin(), run_.end(), Less{});
    heapify();
  }

  // Puts a pending run back into the heap.
  void merge_run() {
    published_ = 0;
    heap_.insert(heap_.end(), run_.begin() + static_cast<std::ptrdiff_t>(run_pos_), run_.end());
    clear_run();
    heapify();
  }

  // Drops every tombstone and rebuilds the heap bottom-up in O(n).
  void compact() {
    if (run_pos_ < run_.size()) merge_run();
    size_t n = 0;
    for (const TimerEntry& e : heap_) {
      if (live(e)) heap_[n++] = e;
    }
    heap_.resize(n);
    dead_ = 0;
    heapify();
  }

  // The sequence counter is about to wrap: drop the tombstones and give the
  // live timers the numbers 0..n-1 in their (when, seq) order. A sorted
  // array is a valid heap. Tombstones must go first: one left behind could
  // later share a number with a live timer of its slot.
  void renumber() {
    compact();
    std::sort(heap_.begin(), heap_.end(), Less{});
    uint32_t seq = 0;
    for (TimerEntry& e : heap_) {
      e.seq = seq;
      seq_of_[e.slot] = seq;
      seq++;
    }
    next_seq_ = seq;
    // Room for at least as many pushes as there are live timers before the
    // next renumbering (matters only for a lowered AIOLOOP_SEQ_LIMIT).
    uint64_t limit = 2 * static_cast<uint64_t>(seq) + 1;
    if (limit < kSeqLimit) limit = kSeqLimit;
    if (limit > kSeqCeiling) limit = kSeqCeiling;
    seq_limit_ = static_cast<uint32_t>(limit);
  }

  void heapify() {
    size_t n = heap_.size();
    if (n < 2) return;
    for (size_t i = (n - 2) / kArity + 1; i-- > 0;) sift_down(i, heap_[i]);
  }

  void sift_up(size_t hole, TimerEntry e) {
    while (hole > 0) {
      size_t parent = (hole - 1) / kArity;
      if (!less(e, heap_[parent])) break;
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
        if (less(heap_[c], heap_[best])) best = c;
      }
      if (!less(heap_[best], e)) break;
      heap_[hole] = heap_[best];
      hole = best;
    }
    heap_[hole] = e;
  }

  std::vector<TimerEntry> heap_;
  std::vector<TimerEntry> run_;   // sorted due timers split off by pop_due
  size_t run_pos_ = 0;            // run_[run_pos_..] are still pending
  size_t published_ = 0;          // run_[run_pos_, run_pos_ + published_) are shown to the wrapper
  std::vector<uint32_t> seq_of_;  // slot -> sequence number of its live timer, or kNoTimer
  size_t dead_ = 0;               // tombstones in heap_ and run_
  uint32_t next_seq_ = 0;
  uint32_t seq_limit_ = kSeqLimit;
};

}  // namespace aioloop
