// The timers of one loop as the native core keeps them: which slot holds a
// live timer, the heap they wait in, the sorted run of due timers leaving in
// bulk, and staging (the next timers shown to the wrapper).
//
// Knows nothing of N-API or of the ctl layout: it takes plain (when, slot)
// commands and hands slots back. The wrapper names a timer by its slot (an
// index into its slot table, handed out densely); this file turns slots into
// heap entries and back.
//
//        run_[run_pos_ ..]   sorted, every entry earlier than any in heap_
//        heap_               TimerHeap (timer_heap.h): 4-ary, with tombstones
//        seq_of_[slot]       the sequence number of the slot's live timer
//
// Liveness. An entry is live while `seq_of_[slot]` still holds its sequence
// number. A cancel only clears that (O(1)); the entry, now a tombstone, is
// dropped when it reaches the front, or when tombstones pass half of what is
// stored and everything is rebuilt in O(n) (asyncio's compaction rule). The
// slot is free for reuse at once: its next timer has a new sequence number.
// So dead entries never outnumber live ones. `seq` is a strictly increasing
// 32-bit counter; when it would wrap, the live timers are renumbered 0..n-1 in
// their order (renumber(), once per four billion timers), so it stays exact
// for ordering and liveness forever.
//
// The sorted run. Popping a large heap costs a cache miss per level per
// timer, so once 1/kBulkShare of the heap has come due in one pop_due call,
// the due entries are split off in one linear pass and sorted into the run,
// which then drains from the front. A push earlier than the run's last entry
// goes into the run at its place when the run is short, else the run is
// merged back into the heap first. Every entry of the run is earlier than
// every entry of the heap.
//
// Staging (virtual clock; the protocol is in native_loop.h and
// lib/backend/layout.ts). publish(k) moves the next (up to) k live timers to
// the front of the run and writes them out as (when, slot) pairs; the wrapper
// may take a prefix of them itself, and retire(taken) drops that prefix at
// the next crossing, before anything else touches the queue. Between the
// two, nothing else runs, so the published timers are exactly the first
// published() entries of the run.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "timer_heap.h"

namespace aioloop {

// Renumbering starts when the sequence counter reaches this. A build may
// lower it (the sanitizer build does, so that its tests cross it often).
#ifndef AIOLOOP_SEQ_LIMIT
#define AIOLOOP_SEQ_LIMIT 0xFFFFFFF0u
#endif

class TimerQueue {
 public:
  // The largest slot the queue accepts: seq_of_ then takes 1 GiB, as the
  // largest ready ring the binding accepts does (2^28 int32 entries).
  static constexpr int32_t kMaxSlot = (int32_t{1} << 28) - 2;
  // seq_of_ of a slot with no timer (never a sequence number: see kSeqLimit).
  static constexpr uint32_t kNoTimer = ~uint32_t{0};
  static constexpr uint32_t kSeqLimit = AIOLOOP_SEQ_LIMIT;
  static constexpr uint32_t kSeqCeiling = 0xFFFFFFF0u;
  static_assert(kSeqLimit > 0 && kSeqLimit <= kSeqCeiling, "AIOLOOP_SEQ_LIMIT out of range");

  // Live timers (tombstones not counted).
  size_t size() const { return stored() - dead_; }
  bool empty() const { return stored() == dead_; }

  // The earliest live timer. Precondition: !empty().
  const TimerEntry& top() {
    drop_dead_top();
    return run_pos_ < run_.size() ? run_[run_pos_] : heap_.top();
  }

  // Entries left in the sorted run (tombstones included), 0 if none.
  size_t run_size() const { return run_.size() - run_pos_; }

  // True if `slot` currently names a live timer.
  bool contains(int32_t slot) const {
    return slot >= 0 && static_cast<size_t>(slot) < seq_of_.size() &&
           seq_of_[slot] != kNoTimer;
  }

  // Ensures the slot table can hold `slot`. Returns false for a slot the
  // queue cannot hold, or one so far beyond the current table that growing to
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
    if (run_pos_ < run_.size() && TimerBefore(e, run_.back())) {
      if (run_.size() - run_pos_ <= kRunInsertMax) {
        // Into the short run at its place (after every earlier entry).
        auto at = std::upper_bound(run_.begin() + static_cast<std::ptrdiff_t>(run_pos_), run_.end(), e,
                                   TimerOrder{});
        run_.insert(at, e);
        return;
      }
      merge_run();
    }
    heap_.push(e);
  }

  // Precondition: !empty(). Removes the earliest timer; returns its slot.
  int32_t pop() {
    drop_dead_top();
    uint32_t slot;
    if (run_pos_ < run_.size()) {
      slot = run_[run_pos_++].slot;
      if (run_pos_ == run_.size()) clear_run();
    } else {
      slot = heap_.top().slot;
      heap_.pop();
    }
    seq_of_[slot] = kNoTimer;
    return static_cast<int32_t>(slot);
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
  // Precondition: nothing published (retire() ran since the last publish()).
  bool remove(int32_t slot) {
    if (!contains(slot)) return false;
    seq_of_[slot] = kNoTimer;
    dead_++;
    if (dead_ == stored()) {
      // The last live timer went: every entry is a tombstone, drop them all
      // at once (no compaction pass, no pops).
      heap_.clear();
      clear_run();
      dead_ = 0;
    } else if (dead_ >= kCompactMin && dead_ * 2 > stored()) {
      compact();
    }
    return true;
  }

  // Staging: moves the next (up to) k live timers to the front of the run and
  // writes them to out as (when, slot) pairs. Returns how many it published.
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
      run_.push_back(heap_.top());
      heap_.pop();
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

  // How many timers the last publish() showed (0 once anything changed since).
  size_t published() const { return published_; }

  // Staging: the wrapper took the first `taken` published timers itself
  // (taken <= published()); they leave the queue.
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

  // A lower bound of next_unpublished_when() that pops nothing: a cancelled
  // timer at the heap's top is not dropped to find the live one behind it
  // (a heap sift each). Exact when no live timer is left (+inf) and when the
  // heap's top is live.
  double next_unpublished_when_bound() {
    if (empty()) return std::numeric_limits<double>::infinity();
    size_t i = run_pos_ + published_;
    while (i < run_.size() && !live(run_[i])) i++;
    if (i < run_.size()) return run_[i].when;
    return heap_.empty() ? std::numeric_limits<double>::infinity() : heap_.top().when;
  }

  // The deadline of the earliest live timer that is not published, or +inf.
  double next_unpublished_when() {
    size_t i = run_pos_ + published_;
    while (i < run_.size() && !live(run_[i])) i++;
    if (i < run_.size()) return run_[i].when;
    drop_dead_heap_top();
    return heap_.empty() ? std::numeric_limits<double>::infinity() : heap_.top().when;
  }

  // Drops every timer; keeps the memory for reuse.
  void clear() {
    heap_.for_each([this](const TimerEntry& e) {
      if (live(e)) seq_of_[e.slot] = kNoTimer;
    });
    for (size_t i = run_pos_; i < run_.size(); i++) {
      if (live(run_[i])) seq_of_[run_[i].slot] = kNoTimer;
    }
    heap_.clear();
    clear_run();
    published_ = 0;
    dead_ = 0;
    next_seq_ = 0;
    seq_limit_ = kSeqLimit;
  }

  // Drops every timer and gives the memory back (loop.close()).
  void release() {
    heap_.release();
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

  bool live(const TimerEntry& e) const { return seq_of_[e.slot] == e.seq; }

  // Entries held, tombstones included.
  size_t stored() const { return heap_.size() + (run_.size() - run_pos_); }

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
    dead_ -= heap_.drop_dead_top([this](const TimerEntry& e) { return live(e); });
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
    heap_.keep_if([this, due](const TimerEntry& e) {
      if (!live(e)) {
        dead_--;
        return false;
      }
      if (due(e.when)) {
        run_.push_back(e);
        return false;
      }
      return true;
    });
    std::sort(run_.begin(), run_.end(), TimerOrder{});
  }

  // Puts a pending run back into the heap.
  void merge_run() {
    published_ = 0;
    heap_.append(run_.data() + run_pos_, run_.data() + run_.size());
    clear_run();
  }

  // Drops every tombstone and rebuilds the heap bottom-up in O(n).
  void compact() {
    if (run_pos_ < run_.size()) merge_run();
    heap_.keep_if([this](const TimerEntry& e) { return live(e); });
    dead_ = 0;
  }

  // The sequence counter is about to wrap: drop the tombstones and give the
  // live timers the numbers 0..n-1 in their (when, seq) order. Tombstones
  // must go first: one left behind could later share a number with a live
  // timer of its slot.
  void renumber() {
    compact();
    uint32_t seq = 0;
    heap_.sort_and_renumber([this, &seq](TimerEntry& e) {
      e.seq = seq;
      seq_of_[e.slot] = seq;
      seq++;
    });
    next_seq_ = seq;
    // Room for at least as many pushes as there are live timers before the
    // next renumbering (matters only for a lowered AIOLOOP_SEQ_LIMIT).
    uint64_t limit = 2 * static_cast<uint64_t>(seq) + 1;
    if (limit < kSeqLimit) limit = kSeqLimit;
    if (limit > kSeqCeiling) limit = kSeqCeiling;
    seq_limit_ = static_cast<uint32_t>(limit);
  }

  TimerHeap heap_;
  std::vector<TimerEntry> run_;   // sorted due timers split off by pop_due, or published
  size_t run_pos_ = 0;            // run_[run_pos_..] are still pending
  size_t published_ = 0;          // run_[run_pos_, run_pos_ + published_) are shown to the wrapper
  std::vector<uint32_t> seq_of_;  // slot -> sequence number of its live timer, or kNoTimer
  size_t dead_ = 0;               // tombstones in heap_ and run_
  uint32_t next_seq_ = 0;
  uint32_t seq_limit_ = kSeqLimit;
};

}  // namespace aioloop
