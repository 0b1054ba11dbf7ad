/**
 * Blocking runs wait for timers by really sleeping, never by spinning.
 */
import { describe, expect, it } from 'vitest';
import { run, sleep } from '../lib/index';
import { BACKENDS } from './helpers';

describe.each(BACKENDS)('blocking waits (%s)', (backend) => {
  it('a 0.2 s sleep costs well under 20 ms of CPU', () => {
    // Warm up the code path so compilation is not counted.
    run(function* () {
      yield* sleep(0.001);
    }, { backend });
    const before = process.cpuUsage();
    const wallStart = performance.now();
    run(function* () {
      yield* sleep(0.2);
    }, { backend });
    const wall = performance.now() - wallStart;
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    expect(wall).toBeGreaterThanOrEqual(199);
    expect(cpuMs).toBeLessThan(20);
  });

  it('many short sleeps in a row keep their order and durations', () => {
    const stamps = run(function* () {
      const out: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        yield* sleep(0.005);
        out.push(performance.now() - t0);
      }
      return out;
    }, { backend });
    for (const ms of stamps) expect(ms).toBeGreaterThanOrEqual(4.9);
  });
});
