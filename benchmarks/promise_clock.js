'use strict';
/**
 * The virtual clock of W11's async/await and then-chain peers (shapes.js).
 * Node has none, and a peer must not lean on aioloop's, so this is the small
 * scheduler a JS user would write for a simulation, and a promise queue.
 */

/**
 * A virtual clock for promise code (Node has none): a binary heap of
 * sleepers ordered by (when, seq), and a count of runnable processes. A
 * process stops being runnable when it sleeps or waits on an empty queue;
 * when none is runnable the clock jumps to the earliest sleeper and wakes
 * it. Its continuation runs as a microtask, so the count — not the
 * microtask queue, which promise code cannot see — says when all are blocked.
 */
class VirtualScheduler {
  constructor() {
    this.time = 0;
    this.runnable = 0;
    this.whens = [];
    this.seqs = [];
    this.wakers = [];
    this.seq = 0;
  }

  sleep(delay) {
    return new Promise((resolve) => {
      this._push(this.time + delay, resolve);
      this.block();
    });
  }

  block() {
    if (--this.runnable === 0 && this.whens.length > 0) {
      const when = this.whens[0];
      const wake = this._pop();
      this.time = when;
      this.runnable++;
      wake();
    }
  }

  wake(resolve, value) {
    this.runnable++;
    resolve(value);
  }

  _less(i, j) {
    const w = this.whens;
    return w[i] < w[j] || (w[i] === w[j] && this.seqs[i] < this.seqs[j]);
  }

  _swap(i, j) {
    const { whens, seqs, wakers } = this;
    let t = whens[i]; whens[i] = whens[j]; whens[j] = t;
    t = seqs[i]; seqs[i] = seqs[j]; seqs[j] = t;
    const f = wakers[i]; wakers[i] = wakers[j]; wakers[j] = f;
  }

  _push(when, wake) {
    let i = this.whens.length;
    this.whens.push(when);
    this.seqs.push(this.seq++);
    this.wakers.push(wake);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this._less(i, p)) break;
      this._swap(i, p);
      i = p;
    }
  }

  _pop() {
    const wake = this.wakers[0];
    const last = this.whens.length - 1;
    this._swap(0, last);
    this.whens.pop();
    this.seqs.pop();
    this.wakers.pop();
    const len = this.whens.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= len) break;
      const m = l + 1 < len && this._less(l + 1, l) ? l + 1 : l;
      if (!this._less(m, i)) break;
      this._swap(i, m);
      i = m;
    }
    return wake;
  }
}

/** An unbounded FIFO with one waiting getter at most (W11 has one server); `get` always gives a promise. */
class PromiseQueue {
  constructor(scheduler) {
    this.scheduler = scheduler;
    this.items = [];
    this.head = 0;
    this.getter = null;
  }

  put(item) {
    if (this.getter !== null) {
      const g = this.getter;
      this.getter = null;
      this.scheduler.wake(g, item);
    } else this.items.push(item);
  }

  get() {
    if (this.head < this.items.length) {
      const item = this.items[this.head++];
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      }
      return Promise.resolve(item);
    }
    return new Promise((resolve) => {
      this.getter = resolve;
      this.scheduler.block();
    });
  }
}

module.exports = { VirtualScheduler, PromiseQueue };
