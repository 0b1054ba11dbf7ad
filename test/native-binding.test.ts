/**
 * The raw C++ binding must turn every wrong argument into a JS exception:
 * never a segfault, an abort or a hang. If any call below crashed, this
 * test process (a vitest fork) would die and the file would fail.
 */
import { describe, expect, it } from 'vitest';
import { loadNative } from '../lib/backend/loader';
import {
  CTL_COUNT,
  CTL_EXACT,
  CTL_HEAD,
  CTL_MAX_WAIT,
  CTL_MORE,
  CTL_NEXT_WHEN,
  CTL_NOW,
  CTL_OPS,
  CTL_SIZE,
  CTL_STAGE_BASE,
  CTL_STAGE_TAKEN,
  CTL_STAGED,
  CTL_TIMERS,
  CTL_VIRTUAL,
  OPS_CAPACITY,
  STAGE_CAPACITY,
} from '../lib/backend/layout';

const binding = loadNative();

function buffers(readySlots = 8) {
  return {
    ctl: new ArrayBuffer(CTL_SIZE * 8),
    ready: new ArrayBuffer(readySlots * 4),
    ops: new ArrayBuffer(OPS_CAPACITY * 16),
  };
}

function attached() {
  const core = new binding!.testing.Core();
  const b = buffers();
  core.attach(b.ctl, b.ready, b.ops);
  return { core, ...b, ctlView: new Float64Array(b.ctl), opsView: new Float64Array(b.ops) };
}

const GARBAGE: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53,
  -(2 ** 31),
  '',
  'string',
  true,
  {},
  [],
  [1, 2, 3],
  () => {},
  Symbol('s'),
  10n,
  new Uint8Array(4),
  new ArrayBuffer(0),
  new ArrayBuffer(3),
  new SharedArrayBuffer(64),
  new DataView(new ArrayBuffer(8)),
];

describe('raw native binding', () => {
  it('loads', () => {
    expect(binding).not.toBe(null);
    expect(typeof binding!.Core).toBe('function');
    expect(typeof binding!.testing.monotonic()).toBe('number');
  });

  it('the constructor rejects arguments', () => {
    expect(() => new (binding!.Core as unknown as new (...a: unknown[]) => unknown)(1)).toThrow(TypeError);
  });

  it('attach rejects wrong types, counts and sizes', () => {
    const core = new binding!.Core();
    const b = buffers();
    const attach = core.attach as unknown as (...a: unknown[]) => void;
    expect(() => attach.call(core)).toThrow(TypeError);
    expect(() => attach.call(core, b.ctl, b.ready)).toThrow(TypeError);
    expect(() => attach.call(core, b.ctl, b.ready, b.ops, b.ops)).toThrow(TypeError);
    for (const g of GARBAGE) {
      expect(() => attach.call(core, g, b.ready, b.ops)).toThrow();
      expect(() => attach.call(core, b.ctl, g, b.ops)).toThrow();
      expect(() => attach.call(core, b.ctl, b.ready, g)).toThrow();
    }
    // Ready capacity must be a power of two.
    expect(() => core.attach(b.ctl, new ArrayBuffer(12), b.ops)).toThrow(RangeError);
    expect(() => core.attach(new ArrayBuffer(8), b.ready, b.ops)).toThrow(RangeError);
    expect(() => core.attach(b.ctl, b.ready, new ArrayBuffer(16))).toThrow(RangeError);
    core.attach(b.ctl, b.ready, b.ops);
    core.close();
  });

  it('setOps takes only an ArrayBuffer of at least the initial capacity', () => {
    const core = new binding!.Core();
    const b = buffers();
    expect(() => core.setOps(new ArrayBuffer(1024))).toThrow(/attach/);
    core.attach(b.ctl, b.ready, b.ops);
    const setOps = core.setOps as unknown as (...a: unknown[]) => void;
    for (const g of GARBAGE) expect(() => setOps.call(core, g)).toThrow();
    expect(() => setOps.call(core)).toThrow(TypeError);
    expect(() => core.setOps(new ArrayBuffer(16))).toThrow(RangeError);
    core.setOps(new ArrayBuffer(64 * 16));
    core.close();
  });

  it('methods called before attach throw', () => {
    const core = new binding!.testing.Core();
    expect(() => core.collect(0, 0, false)).toThrow(/attach/);
    expect(() => core.flush()).toThrow(/attach/);
    expect(() => core.setReady(new ArrayBuffer(8))).toThrow(/attach/);
  });

  it('collect rejects wrong argument types and values', () => {
    const { core } = attached();
    const collect = core.collect as unknown as (...a: unknown[]) => unknown;
    for (const g of GARBAGE) {
      if (typeof g !== 'number') {
        expect(() => collect.call(core, g, 0, false)).toThrow(TypeError);
        expect(() => collect.call(core, 0, g, false)).toThrow(TypeError);
      }
      if (typeof g !== 'boolean') expect(() => collect.call(core, 0, 0, g)).toThrow(TypeError);
    }
    expect(() => collect.call(core)).toThrow(TypeError);
    expect(() => collect.call(core, 0, 0)).toThrow(TypeError);
    expect(() => core.collect(NaN, 0, false)).toThrow(RangeError);
    expect(() => core.collect(Infinity, 0, false)).toThrow(RangeError);
    expect(() => core.collect(0, -1, false)).toThrow(RangeError);
    expect(() => core.collect(0, NaN, false)).toThrow(RangeError);
    expect(core.collect(0, 0, false)).toBe(0);
    core.close();
  });

  it('step takes its inputs from ctl and leaves the ready count there', () => {
    const { core, ctlView, opsView } = attached();
    const step = core.step as unknown as (...a: unknown[]) => unknown;
    expect(() => step.call(core, 1)).toThrow(TypeError);
    opsView[0] = 5;
    opsView[1] = 0; // a timer for slot 0 at t = 5
    ctlView[CTL_OPS] = 1;
    ctlView[CTL_NOW] = 1;
    ctlView[CTL_MAX_WAIT] = Infinity;
    ctlView[CTL_VIRTUAL] = 1;
    expect(step.call(core)).toBe(undefined);
    expect(ctlView[CTL_COUNT]).toBe(1); // the virtual clock jumped to it
    expect(ctlView[CTL_NOW]).toBe(5);
    for (const [field, value] of [
      [CTL_NOW, NaN],
      [CTL_NOW, Infinity],
      [CTL_MAX_WAIT, -1],
      [CTL_MAX_WAIT, NaN],
      [CTL_VIRTUAL, 0.5],
      [CTL_VIRTUAL, 2],
      [CTL_VIRTUAL, NaN],
    ] as const) {
      ctlView.fill(0);
      ctlView[field] = value;
      expect(() => core.step()).toThrow(RangeError);
    }
    ctlView.fill(0);
    core.step();
    expect(ctlView[CTL_COUNT]).toBe(0);
    core.close();
    expect(() => core.step()).toThrow(/closed/);
  });

  it('on the virtual clock a step publishes the next timers, and a taken prefix never comes back', () => {
    const { core, ctlView, opsView } = attached();
    const r = new Int32Array(8);
    core.setReady(r.buffer);
    // 100 timers at t = 1 + slot % 10 (ties in slot order).
    for (let s = 0; s < 100; s++) {
      opsView[2 * s] = 1 + (s % 10);
      opsView[2 * s + 1] = s;
    }
    ctlView[CTL_OPS] = 100;
    ctlView[CTL_VIRTUAL] = 1;
    ctlView[CTL_MAX_WAIT] = 0;
    ctlView[CTL_NOW] = 0;
    core.step();
    expect(ctlView[CTL_COUNT]).toBe(0);
    expect(ctlView[CTL_STAGED]).toBe(STAGE_CAPACITY);
    const order = Array.from({ length: 100 }, (_, s) => s).sort((a, b) => (a % 10) - (b % 10) || a - b);
    const staged = Array.from({ length: STAGE_CAPACITY }, (_, i) => ctlView[CTL_STAGE_BASE + 2 * i + 1]);
    expect(staged).toEqual(order.slice(0, STAGE_CAPACITY));
    expect(ctlView[CTL_STAGE_BASE]).toBe(1);
    // The next unpublished deadline, and the live count (published included).
    expect(ctlView[4]).toBe(1 + (order[STAGE_CAPACITY] % 10));
    expect(ctlView[3]).toBe(100);
    // A taken count beyond what was published is garbage.
    for (const bad of [STAGE_CAPACITY + 1, -1, 0.5, NaN]) {
      ctlView[CTL_STAGE_TAKEN] = bad;
      ctlView[CTL_OPS] = 0;
      expect(() => core.step()).toThrow(RangeError);
    }
    // The wrapper took the first 30 itself; C++ emits the rest, in order.
    ctlView[CTL_STAGE_TAKEN] = 30;
    const out: number[] = [];
    for (let guard = 0; guard < 200 && out.length < 70; guard++) {
      ctlView[CTL_OPS] = 0;
      ctlView[CTL_HEAD] = 0;
      ctlView[CTL_COUNT] = 0;
      ctlView[CTL_MAX_WAIT] = Infinity;
      core.step();
      for (let i = 0; i < ctlView[CTL_COUNT]; i++) out.push(r[i]);
    }
    expect(out).toEqual(order.slice(30));
    expect(ctlView[3]).toBe(0);
    core.close();
  });

  it('collect rejects corrupt control fields', () => {
    const { core, ctlView } = attached();
    for (const [field, value] of [
      [CTL_HEAD, -1],
      [CTL_HEAD, 8],
      [CTL_HEAD, 0.5],
      [CTL_HEAD, NaN],
      [CTL_COUNT, 9],
      [CTL_COUNT, -3],
      [CTL_OPS, OPS_CAPACITY + 1],
      [CTL_OPS, -1],
      [CTL_OPS, 1.25],
      [CTL_OPS, Infinity],
    ] as const) {
      ctlView.fill(0);
      ctlView[field] = value;
      expect(() => core.collect(0, 0, false)).toThrow(RangeError);
    }
    core.close();
  });

  it('collect rejects corrupt timer commands and does not half-apply them', () => {
    const { core, ctlView, opsView } = attached();
    const bad: Array<[number, number]> = [
      [NaN, 0],
      [0, 0.5],
      [0, 2 ** 40],
      [0, -(2 ** 40)],
      [0, NaN],
      [0, Infinity],
    ];
    for (const [when, code] of bad) {
      ctlView.fill(0);
      opsView[0] = 1;
      opsView[1] = 0; // a valid add of slot 0...
      opsView[2] = when;
      opsView[3] = code; // ...followed by garbage
      ctlView[CTL_OPS] = 2;
      expect(() => core.collect(0, 0, false)).toThrow(RangeError);
    }
    // Nothing was applied: no timer exists.
    ctlView.fill(0);
    core.collect(0, 0, false);
    expect(ctlView[3]).toBe(0);
    core.close();
  });

  it('a slot far beyond the table, or added twice, is a RangeError', () => {
    const { core, ctlView, opsView } = attached();
    ctlView.fill(0);
    opsView[0] = 1;
    opsView[1] = 2 ** 30;
    ctlView[CTL_OPS] = 1;
    expect(() => core.collect(0, 0, false)).toThrow(RangeError);
    ctlView.fill(0);
    opsView[0] = 5;
    opsView[1] = 3;
    opsView[2] = 6;
    opsView[3] = 3;
    ctlView[CTL_OPS] = 2;
    expect(() => core.collect(0, 0, false)).toThrow(RangeError);
    // The first add stood; the loop core is still usable.
    ctlView.fill(0);
    expect(core.collect(10, 0, false)).toBe(1);
    core.close();
  });

  it('cancel commands for unknown slots are ignored', () => {
    const { core, ctlView, opsView } = attached();
    ctlView.fill(0);
    opsView[0] = 0;
    opsView[1] = -1 - 12345;
    ctlView[CTL_OPS] = 1;
    expect(core.collect(0, 0, false)).toBe(0);
    expect(ctlView[CTL_OPS]).toBe(0);
    core.close();
  });

  it('huge waits are clamped, never overflowing (maxWait 0 returns at once)', () => {
    const { core, ctlView, opsView } = attached();
    ctlView.fill(0);
    opsView[0] = 1e300;
    opsView[1] = 0;
    ctlView[CTL_OPS] = 1;
    expect(core.collect(0, 0, false)).toBe(0);
    expect(core.collect(1e301, 0, false)).toBe(1);
    core.close();
  });

  it('a detached buffer is reported, not dereferenced', () => {
    const core = new binding!.testing.Core();
    const b = buffers();
    core.attach(b.ctl, b.ready, b.ops);
    structuredClone(b.ready, { transfer: [b.ready] });
    expect(b.ready.byteLength).toBe(0);
    expect(() => core.collect(0, 0, false)).toThrow(/detached/);
    core.close();
  });

  it('a closed core throws on every method and can be closed again', () => {
    const { core } = attached();
    core.close();
    expect(core.isClosed()).toBe(true);
    expect(() => core.collect(0, 0, false)).toThrow(/closed/);
    expect(() => core.flush()).toThrow(/closed/);
    expect(() => core.clear()).toThrow(/closed/);
    const b = buffers();
    expect(() => core.attach(b.ctl, b.ready, b.ops)).toThrow(/closed/);
    expect(() => core.setReady(b.ready)).toThrow(/closed/);
    core.close();
  });

  it('methods called on the wrong receiver throw', () => {
    const { core } = attached();
    const collect = core.collect as unknown as (...a: unknown[]) => unknown;
    expect(() => collect.call({}, 0, 0, false)).toThrow();
    expect(() => collect.call(undefined, 0, 0, false)).toThrow();
    core.close();
  });

  it('survives a burst of random calls with random arguments', () => {
    let seed = 1234567;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const ARG_GARBAGE = GARBAGE.filter((g) => typeof g !== 'number' || !(Math.abs(g) > 10));
    const numbers = GARBAGE.filter((g): g is number => typeof g === 'number');
    const { core, ctlView, opsView } = attached();
    const methods = ['attach', 'setReady', 'flush', 'collect', 'clear'] as const;
    let threw = 0;
    for (let i = 0; i < 3000; i++) {
      for (let k = 0; k < CTL_SIZE; k++) ctlView[k] = rnd() < 0.5 ? Math.floor(rnd() * 10) : pick(numbers);
      for (let k = 0; k < 8; k++) opsView[k] = rnd() < 0.7 ? Math.floor(rnd() * 40) - 20 : pick(numbers);
      const nargs = Math.floor(rnd() * 5);
      // Arguments never ask for a long wait: the point is bad input, not sleeping.
      const args = Array.from({ length: nargs }, () =>
        rnd() < 0.3 ? rnd() * 1e-3 : rnd() < 0.5 ? rnd() < 0.5 : pick(ARG_GARBAGE),
      );
      try {
        (core[pick(methods)] as unknown as (...a: unknown[]) => unknown).apply(core, args);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        threw++;
      }
    }
    expect(threw).toBeGreaterThan(0);
    core.close();
  });

  it('a batch of due timers larger than the ring leaves in order across calls, whatever comes between', () => {
    // 3,000 timers due at once into a 1,024-entry ring: the heap splits the
    // due ones off into a sorted run after its first pops, and what is left
    // of the run must stay in order through a new timer, cancels and flushes
    // made before the next collect (the wrapper never does this; the raw
    // binding must still get it right).
    const core = new binding!.testing.Core();
    const ctl = new ArrayBuffer(CTL_SIZE * 8);
    const ready = new ArrayBuffer(1024 * 4);
    const ops = new ArrayBuffer(OPS_CAPACITY * 16);
    core.attach(ctl, ready, ops);
    const c = new Float64Array(ctl);
    const o = new Float64Array(ops);
    const r = new Int32Array(ready);
    const n = 3000;
    const when = (slot: number) => 1 + ((slot * 7919) % 100) / 100;
    for (let s = 0; s < n; s++) {
      o[2 * s] = when(s);
      o[2 * s + 1] = s;
    }
    c[CTL_OPS] = n;
    core.flush();
    const out: number[] = [];
    const take = (count: number) => {
      for (let i = 0; i < count; i++) out.push(r[i]);
    };
    c[CTL_HEAD] = 0;
    c[CTL_COUNT] = 0;
    c[CTL_OPS] = 0;
    take(core.collect(10, 0, true));
    expect(c[CTL_MORE]).toBeGreaterThanOrEqual(1);
    // Between calls: cancel two pending timers and add a new due one (slot n).
    const cancelled = [out.length === 1024 ? 2999 : -1, 1500].filter((x) => x >= 0 && !out.includes(x));
    let k = 0;
    for (const slot of cancelled) {
      o[2 * k] = 0;
      o[2 * k + 1] = -slot - 1;
      k++;
    }
    o[2 * k] = 1.005;
    o[2 * k + 1] = n;
    c[CTL_OPS] = k + 1;
    core.flush();
    for (let guard = 0; guard < 10; guard++) {
      c[CTL_HEAD] = 0;
      c[CTL_COUNT] = 0;
      c[CTL_OPS] = 0;
      take(core.collect(10, 0, true));
      if (!(c[CTL_MORE] > 0)) break;
    }
    const all = Array.from({ length: n + 1 }, (_, s) => s).filter((s) => !cancelled.includes(s));
    const whenOf = (s: number) => (s === n ? 1.005 : when(s));
    // Everything taken before the flush is in (when, slot) order; after it,
    // the rest (with the new timer merged in by its deadline).
    const first = out.slice(0, 1024);
    const rest = all.filter((s) => !first.includes(s)).sort((a, b) => whenOf(a) - whenOf(b) || (a === n ? 1 : b === n ? -1 : a - b));
    expect(first).toEqual([...first].sort((a, b) => whenOf(a) - whenOf(b) || a - b));
    expect(out.slice(1024)).toEqual(rest);
    core.close();
  });
  it('a flush leaves the next deadline a lower bound unless asked for it exact', () => {
    // Cancelling the earliest timers leaves them at the heap's top as
    // tombstones: a flush with ctl[exact] = 0 reports a deadline no later
    // than the earliest live one (without popping them); with 1 it is exact;
    // with none left it is +Infinity either way, and a step is always exact.
    const { core, ctlView: c, opsView: o, ready } = attached();
    const n = 3000;
    for (let s = 0; s < n; s++) {
      o[2 * s] = 10 + s;
      o[2 * s + 1] = s;
    }
    c[CTL_OPS] = n;
    c[CTL_EXACT] = 0;
    core.flush();
    expect(c[CTL_NEXT_WHEN]).toBe(10);
    for (let s = 0; s < 2000; s++) {
      o[2 * s] = 0;
      o[2 * s + 1] = -s - 1;
    }
    c[CTL_OPS] = 2000;
    core.flush();
    expect(c[CTL_OPS]).toBe(2000); // every cancelled slot released
    expect(c[CTL_TIMERS]).toBe(1000);
    expect(c[CTL_NEXT_WHEN]).toBeLessThanOrEqual(10 + 2000);
    c[CTL_OPS] = 0;
    c[CTL_EXACT] = 1;
    core.flush();
    expect(c[CTL_NEXT_WHEN]).toBe(10 + 2000);
    // Garbage in ctl[exact] is taken as "exact", never a failure.
    c[CTL_EXACT] = NaN;
    core.flush();
    expect(c[CTL_NEXT_WHEN]).toBe(10 + 2000);
    for (let s = 2000; s < n - 1; s++) {
      o[2 * (s - 2000)] = 0;
      o[2 * (s - 2000) + 1] = -s - 1;
    }
    c[CTL_OPS] = n - 1 - 2000;
    c[CTL_EXACT] = 0;
    core.flush();
    expect(c[CTL_TIMERS]).toBe(1);
    expect(c[CTL_NEXT_WHEN]).toBeLessThanOrEqual(10 + n - 1);
    // A step pops the tombstones and reports the last timer exactly.
    c[CTL_HEAD] = 0;
    c[CTL_COUNT] = 0;
    c[CTL_OPS] = 0;
    expect(core.collect(0, 0, false)).toBe(0);
    expect(c[CTL_NEXT_WHEN]).toBe(10 + n - 1);
    // The last live timer cancelled: the whole heap goes at once.
    o[0] = 0;
    o[1] = -(n - 1) - 1;
    c[CTL_OPS] = 1;
    c[CTL_EXACT] = 0;
    core.flush();
    expect(c[CTL_OPS]).toBe(1);
    expect(c[CTL_TIMERS]).toBe(0);
    expect(c[CTL_NEXT_WHEN]).toBe(Infinity);
    // And the queue works as before afterwards.
    o[0] = 5;
    o[1] = 7;
    c[CTL_OPS] = 1;
    core.flush();
    expect(c[CTL_NEXT_WHEN]).toBe(5);
    c[CTL_HEAD] = 0;
    c[CTL_COUNT] = 0;
    c[CTL_OPS] = 0;
    expect(core.collect(5, 0, true)).toBe(1);
    expect(new Int32Array(ready)[0]).toBe(7);
    core.close();
  });
});
