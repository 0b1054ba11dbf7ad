// The ready ring as the native core sees it: the wrapper's Int32Array of
// ready entries (lib/backend/layout.ts), a power-of-two ring indexed with a
// mask (denque's technique), which the core only appends to.
//
// The wrapper owns the ring: it writes callSoon entries at the tail, takes
// entries from the head, and grows the ring by doubling. The core appends the
// slots of due timers after the `count` entries already there and never reads
// an entry, so nothing here knows what an entry means. Knows nothing of N-API.
#pragma once

#include <cstddef>
#include <cstdint>

namespace aioloop {

class ReadyRing {
 public:
  // A view of `capacity` (a power of two) entries, of which `count` are
  // ready from ring index `head`. Preconditions: head < capacity, count <= capacity.
  ReadyRing(int32_t* entries, size_t capacity, size_t head, size_t count)
      : entries_(entries), mask_(capacity - 1), head_(head), tail_(head + count) {}

  size_t count() const { return tail_ - head_; }
  bool full() const { return count() == mask_ + 1; }
  // Entries that can still be appended.
  size_t room() const { return mask_ + 1 - count(); }

  // Precondition: !full().
  void push(int32_t slot) { entries_[tail_++ & mask_] = slot; }

 private:
  int32_t* entries_;
  size_t mask_;
  size_t head_;  // unmasked, as tail_
  size_t tail_;  // head + count, unmasked: one increment per append
};

}  // namespace aioloop
