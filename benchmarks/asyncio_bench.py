#!/usr/bin/env python3
"""The workloads of aioloop's SPEC section 7 on Python's asyncio and on uvloop.

The same shapes as benchmarks/workloads.js, written the way an asyncio user
would write them. run.js starts one process per timed run, like
benchmarks/worker.js, and reads the one JSON line it prints:

    python3 asyncio_bench.py <workload> <asyncio|uvloop> [n] --sample   tenth-size warm-ups (0.3 s), timed run
    python3 asyncio_bench.py <workload> <asyncio|uvloop> [n] --once     full-size warm-up, timed run
    python3 asyncio_bench.py --probe                                     versions, or why not

    out  {"workload", "subject", "n", "value": <ops/s or bytes>, "seconds"?, "note"?}
    or   {"error": ...} and exit code 1 on any failure.

Of the shapes-users-have rows (W10-W13, W4r) only W4r is here: W10 and W11
need a virtual clock (or sub-millisecond timers), W12 is Node-hosted, and
W13's 10,000 asyncio loops would need 30,000 file descriptors. `--probe`
lists the workloads this script has, so run.js asks it for no other.

W9 cannot use a virtual clock here (asyncio has none): the random delays are
real sleeps, scaled down by W9_SCALE so the run measures the loop and not the
waiting. The memory workloads (W8) measure RSS growth in the fresh process.
"""
import asyncio
import gc
import json
import os
import random
import sys
import time

# W9's random delays are drawn in [0, 1) like the virtual-clock run, then
# slept for real after scaling by this factor: 0-1 ms, short enough that the
# loop is busy (timers mostly overdue), long enough to need the timer heap.
W9_SCALE = 1e-3

SIZES = {"W1": 10**6, "W2": 10**6, "W3": 10**6, "W4": 10**6, "W5": 10**6,
         "W6": 10**6, "W7": 10**5, "W8": 10**6, "W8-soon": 10**6, "W9": 10**6,
         "W4r": 10**6}
BYTES = {"W8", "W8-soon"}


def new_loop(subject):
    if subject == "uvloop":
        import uvloop
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def check(actual, expected, what):
    if actual != expected:
        raise RuntimeError(f"{what}: expected {expected} callbacks to run, {actual} did")


class Counter:
    """Counts callbacks and stops the loop at the target count."""
    __slots__ = ("c", "target", "loop")

    def __init__(self, loop, target):
        self.c = 0
        self.target = target
        self.loop = loop

    def tick(self, *_):
        self.c += 1
        if self.c == self.target:
            self.loop.stop()


def w1(subject, n):
    loop = new_loop(subject)
    k = Counter(loop, n)
    cb = k.tick
    t0 = time.perf_counter()
    for _ in range(n):
        loop.call_soon(cb)
    loop.run_forever()
    t = time.perf_counter() - t0
    loop.close()
    check(k.c, n, "W1")
    return t


def w2(subject, n):
    loop = new_loop(subject)
    state = [0]

    def cb():
        state[0] += 1
        if state[0] < n:
            loop.call_soon(cb)
        else:
            loop.stop()

    t0 = time.perf_counter()
    loop.call_soon(cb)
    loop.run_forever()
    t = time.perf_counter() - t0
    loop.close()
    check(state[0], n, "W2")
    return t


def w3(subject, n):
    rnd = random.Random(3)
    offsets = [rnd.random() for _ in range(n)]
    loop = new_loop(subject)
    k = Counter(loop, n)
    cb = k.tick
    base = loop.time() - 2  # every deadline is already in the past
    t0 = time.perf_counter()
    for off in offsets:
        loop.call_at(base + off, cb)
    loop.run_forever()
    t = time.perf_counter() - t0
    loop.close()
    check(k.c, n, "W3")
    return t


def w4(subject, n):
    loop = new_loop(subject)

    def cb():
        raise RuntimeError("W4: a cancelled timer ran")

    t0 = time.perf_counter()
    handles = [loop.call_later(3600, cb) for _ in range(n)]
    for h in handles:
        h.cancel()
    loop.call_soon(loop.stop)  # one iteration: asyncio drops cancelled timers here
    loop.run_forever()
    t = time.perf_counter() - t0
    loop.close()
    return t


def w4r(subject, n):
    """W4 with deadlines spread over one to two hours (random), all cancelled."""
    rnd = random.Random(4)
    offsets = [rnd.random() for _ in range(n)]
    loop = new_loop(subject)

    def cb():
        raise RuntimeError("W4r: a cancelled timer ran")

    t0 = time.perf_counter()
    handles = [loop.call_later(3600 + 3600 * off, cb) for off in offsets]
    for h in handles:
        h.cancel()
    loop.call_soon(loop.stop)
    loop.run_forever()
    t = time.perf_counter() - t0
    loop.close()
    return t


def w5(subject, n):
    tasks = 1000
    switches = n // tasks
    loop = new_loop(subject)
    done = loop.create_future()
    state = [tasks, 0]

    async def worker():
        for _ in range(switches):
            await asyncio.sleep(0)
            state[1] += 1
        state[0] -= 1
        if state[0] == 0:
            done.set_result(None)

    t0 = time.perf_counter()
    for _ in range(tasks):
        loop.create_task(worker())
    loop.run_until_complete(done)
    t = time.perf_counter() - t0
    loop.close()
    check(state[1], n, "W5")
    return t


def w6(subject, n):
    loop = new_loop(subject)
    k = Counter(loop, n)
    cb = k.tick
    t0 = time.perf_counter()
    for i in range(n):
        f = loop.create_future()
        f.add_done_callback(cb)
        f.set_result(i)
    loop.run_forever()
    t = time.perf_counter() - t0
    loop.close()
    check(k.c, n, "W6")
    return t


def w7(subject, n):
    loop = new_loop(subject)

    async def child():
        await asyncio.sleep(0)
        return 1

    async def main():
        results = await asyncio.gather(*[child() for _ in range(n)])
        return len(results)

    t0 = time.perf_counter()
    got = loop.run_until_complete(main())
    t = time.perf_counter() - t0
    loop.close()
    check(got, n, "W7")
    return t


def w9(subject, n):
    procs = n // 10
    rnd = random.Random(9)
    delays = [rnd.random() * W9_SCALE for _ in range(n)]
    loop = new_loop(subject)
    done = loop.create_future()
    state = [procs, 0]

    async def proc(k):
        base = k * 10
        for j in range(10):
            await asyncio.sleep(delays[base + j])
            state[1] += 1
        state[0] -= 1
        if state[0] == 0:
            done.set_result(None)

    t0 = time.perf_counter()
    for k in range(procs):
        loop.create_task(proc(k))
    loop.run_until_complete(done)
    t = time.perf_counter() - t0
    loop.close()
    check(state[1], n, "W9")
    return t


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def pending(subject, n, timers):
    """A loop holding n pending timers (an hour away) or n pending call_soon handles."""
    loop = new_loop(subject)

    def cb():
        pass

    if timers:
        for _ in range(n):
            loop.call_later(3600, cb)
    else:
        for _ in range(n):
            loop.call_soon(cb)
    return loop


def bytes_per(subject, n, timers):
    """RSS growth per pending item after a full collection, in this fresh
    process. It includes the allocator's slack (tracemalloc's count of live
    bytes is ~4 % lower for asyncio and uvloop alike) and costs a fraction
    of tracemalloc's time, which slows every allocation several-fold."""
    gc.collect()
    base = rss_bytes()
    loop = pending(subject, n, timers)
    gc.collect()
    grown = (rss_bytes() - base) / n
    loop.close()
    return {"value": grown, "note": f"RSS growth in a fresh process: {grown:.1f} B"}


TIMED = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W4r": w4r, "W5": w5, "W6": w6, "W7": w7, "W9": w9}

NOTES = {
    "W9": f"real clock (asyncio has no virtual one): the random delays scaled by {W9_SCALE:g}, i.e. 0-1 ms real sleeps",
}


def run_once(workload, subject, n):
    gc.collect()
    if workload == "W8":
        return bytes_per(subject, n, True)
    if workload == "W8-soon":
        return bytes_per(subject, n, False)
    t = TIMED[workload](subject, n)
    return {"value": n / t, "seconds": t}


WARMUP_SECONDS = 0.3
WARMUP_MAX_RUNS = 30


def warmup_size(n):
    """A tenth of the size, keeping W5's 1,000 tasks and W9's 10 sleeps per task whole."""
    return max(1000, n // 10 // 1000 * 1000)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def probe():
    info = {"python": sys.version.split()[0], "executable": sys.executable, "workloads": list(SIZES)}
    try:
        import uvloop
        info["uvloop"] = uvloop.__version__
    except Exception as err:  # noqa: BLE001 - any import failure means "no uvloop"
        info["uvloopError"] = f"{type(err).__name__}: {err}"
    emit(info)


def main(argv):
    if "--probe" in argv:
        probe()
        return 0
    flags = [a for a in argv if a.startswith("--")]
    args = [a for a in argv if not a.startswith("--")]
    if len(args) < 2:
        emit({"error": "usage: asyncio_bench.py <workload> <asyncio|uvloop> [n] --sample|--once"})
        return 1
    workload, subject = args[0], args[1]
    if workload not in SIZES:
        emit({"error": f"unknown workload {workload!r}"})
        return 1
    if subject not in ("asyncio", "uvloop"):
        emit({"error": f"unknown subject {subject!r}"})
        return 1
    n = int(args[2]) if len(args) > 2 else SIZES[workload]
    if n <= 0:
        emit({"error": f"n must be positive, got {n}"})
        return 1
    once = "--once" in flags
    if not once and "--sample" not in flags:
        emit({"error": "say --sample (a run for the suite) or --once (a run for a profiler)"})
        return 1
    try:
        new_loop(subject).close()  # fails early if uvloop cannot load
        if workload not in BYTES:
            if once:
                run_once(workload, subject, n)
            else:
                # As worker.js: warm-up runs until WARMUP_SECONDS have passed.
                start = time.perf_counter()
                runs = 0
                while True:
                    run_once(workload, subject, warmup_size(n))
                    runs += 1
                    if runs >= WARMUP_MAX_RUNS or time.perf_counter() - start >= WARMUP_SECONDS:
                        break
        out = {"workload": workload, "subject": subject, "n": n, **run_once(workload, subject, n)}
        if workload in NOTES:
            out["note"] = NOTES[workload]
        emit(out)
    except Exception as err:  # noqa: BLE001 - reported to run.js, which marks the row failed
        import traceback
        emit({"error": "".join(traceback.format_exception(err)).strip()})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
