/**
 * The examples in examples/ run as they are documented (`node examples/x.js`
 * against the built package) on both backends, and print what they promise.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, runNode } from './child';
import { BACKENDS } from './helpers';

const BOUND_MS = 30_000;

beforeAll(() => ensureDist(), 120_000);

function runExample(file: string, backend: string, env: Record<string, string> = {}, args: string[] = []) {
  return runNode([`examples/${file}`, ...args], { env: { AIOLOOP_BACKEND: backend, ...env }, boundMs: BOUND_MS });
}

describe.each(BACKENDS)('examples (%s)', (backend) => {
  it('03: run(main), then runAsync(getaddrinfo(localhost, 443)), and why a blocking run cannot resolve', async () => {
    const r = await runExample('03_run_and_getaddrinfo.js', backend);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`run(main) -> hello from main on the ${backend} backend`);
    expect(lines[1]).toBe("runAsync(getaddrinfo('localhost', 443)) ->");
    const blockingAt = lines.indexOf("run(getaddrinfo('localhost', 443)) -> EventLoopError:");
    expect(blockingAt).toBeGreaterThan(2);
    const infos = lines.slice(2, blockingAt).map((l) => JSON.parse(l.trim()));
    expect(infos.length).toBeGreaterThan(0);
    for (const info of infos) {
      expect(info.port).toBe(443);
      expect([4, 6]).toContain(info.family);
    }
    expect(infos.some((i) => i.address === '::1' || i.address.startsWith('127.'))).toBe(true);
    expect(lines[blockingAt + 1]).toMatch(/^ {2}Event loop would wait forever/);
    expect(lines[blockingAt + 2]).toMatch(/run this in hosted mode \(runAsync/);
  }, 40_000);

  it('04: the job scheduler keeps its limits while the HTTP server answers', async () => {
    const r = await runExample('04_job_scheduler.js', backend);
    // The whole output with every check: this one runs a real server on a
    // real clock, so if it ever fails the reason should be in the report.
    const seen = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect(r.stderr, seen).toBe('');
    expect(r.code, seen).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0], seen).toMatch(/^24 jobs done in \d+\.\d\d s \(24 distinct digests\)$/);
    const running = Number(/^at most (\d+) jobs ran at once \(limit 4\)$/.exec(lines[1])?.[1]);
    expect(running, seen).toBeGreaterThan(0);
    expect(running, seen).toBeLessThanOrEqual(4);
    expect(lines[2], seen).toMatch(/^rate limit kept: yes/);
    const answered = Number(/^HTTP server answered (\d+) \/status requests while jobs ran/.exec(lines[3])?.[1]);
    expect(answered, seen).toBeGreaterThanOrEqual(3);
    expect(lines[4], seen).toBe('final /status: {"done":24,"running":0,"waiting":0}');
  }, 40_000);

  it('05: the bank simulation prints its statistics for a simulated day', async () => {
    const r = await runExample('05_bank_simulation.js', backend);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(BANK_DAY);
    expect(r.stderr).toMatch(/^\(simulated 487\.3 min in \d+ ms of real time\)\n$/);
  }, 40_000);
});

describe.each(BACKENDS)('simulation examples (%s)', (backend) => {
  it('06: the race passes without jitter, explore finds it, AIOLOOP_SEED replays it, a Lock fixes it', async () => {
    const r = await runExample('06_race_explore.js', backend);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^without jitter: balance 40 \(.*machine 2: declined, balance 40 < 60\)$/);
    const found = /^explore: seed (\d+) fails after (\d+) passing runs: account overdrawn: balance -20$/.exec(lines[1]);
    expect(found).not.toBeNull();
    const seed = Number(found![1]);
    expect(seed).toBeLessThan(500); // "within a few hundred seeds"
    expect(lines[2]).toBe('trace:');
    const replayAt = lines.indexOf(`replay: AIOLOOP_SEED=${seed} node examples/06_race_explore.js`);
    expect(replayAt).toBeGreaterThan(3);
    const trace = lines.slice(3, replayAt);
    expect(trace.at(-1)).toMatch(/main failed: Error: account overdrawn: balance -20$/);
    expect(lines[replayAt + 1]).toBe('with a Lock: 1000 run(s) passed, seeds 0..999');

    const replay = await runExample('06_race_explore.js', backend, { AIOLOOP_SEED: String(seed) });
    expect(replay.code).toBe(0);
    const again = replay.stdout.trimEnd().split('\n');
    expect(again[1]).toBe(`explore: seed ${seed} fails after 0 passing runs: account overdrawn: balance -20`);
    expect(again.slice(3, 3 + trace.length)).toEqual(trace);
    expect(again.at(-1)).toBe(`with a Lock: 1 run(s) passed, seeds ${seed}..${seed}`);
  }, 60_000);
});

describe.each(BACKENDS)('replication example (%s)', (backend) => {
  it('07: seeded M/M/1 replications across worker threads, means with 95% intervals beside the theory', async () => {
    // 60 replications on 2 threads here (the example's default is 1,000).
    const r = await runExample('07_replications.js', backend, {}, ['60', '2']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('M/M/1, λ = 0.8, μ = 1: 60 replications of 1000 customers (first 100 not counted)');
    const row = (label: string, theory: string) => {
      const line = lines.find((l) => l.startsWith(label))!;
      const m = /(\d+\.\d{3}) ± (\d+\.\d{3})\s+\(theory (\d+\.\d{3})\)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![3]).toBe(theory);
      return [Number(m![1]), Number(m![2])];
    };
    const [wait, waitHalf] = row('wait in line', '4.000');
    expect(Math.abs(wait - 4)).toBeLessThan(1.5);
    expect(waitHalf).toBeGreaterThan(0);
    row('time in system', '5.000');
    const [util] = row('server utilization', '0.800');
    expect(Math.abs(util - 0.8)).toBeLessThan(0.05);
    expect(r.stderr).toMatch(/60\/60 replications/);
    expect(r.stderr).toMatch(/\(60 replications in \d+\.\d s\)\n$/);
  }, 60_000);

  it('07: the same seeds give the same figures on every run and on both backends', async () => {
    const [a, b] = await Promise.all([
      runExample('07_replications.js', backend, {}, ['12', '2']),
      runExample('07_replications.js', backend === 'native' ? 'js' : 'native', {}, ['12', '1']),
    ]);
    expect(a.stdout).not.toBe('');
    expect(b.stdout).toBe(a.stdout);
  }, 60_000);
});

describe('examples across backends', () => {
  it('06: explore finds the same seed with the same trace on native and js', async () => {
    const [native, js] = await Promise.all([runExample('06_race_explore.js', 'native'), runExample('06_race_explore.js', 'js')]);
    expect(native.stdout).toMatch(/explore: seed \d+ fails/);
    expect(js.stdout).toBe(native.stdout);
  }, 60_000);

  it('05: the bank simulation prints the same day on native and js', async () => {
    const [native, js] = await Promise.all([runExample('05_bank_simulation.js', 'native'), runExample('05_bank_simulation.js', 'js')]);
    expect(native.stdout).not.toBe('');
    expect(js.stdout).toBe(native.stdout);
  }, 40_000);
});

describe.each(BACKENDS)('seed examples (%s)', (backend) => {
  it('01: the Task prototype prints Hello Bar, then Hello Foo', async () => {
    const r = await runExample('01_task_prototype.js', backend);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Hello Bar\nHello Foo\n');
  });

  it('02: a user-written loop drives aioloop Tasks: Foo, then Bar', async () => {
    const r = await runExample('02_minimal_loop.js', backend);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Foo\nBar\n');
  });
});

const BANK_DAY = `Bank day: 5 tellers, doors open 09:00-17:00, seed 2024
customers arrived         1601
served                    1576
left after 6 min in line  25
wait in line              mean 2.3 min, median 1.9 min, 90th pct 5.1 min, max 6.0 min
served without waiting    187
longest line              30
teller utilization        95.2 %
last customer left        17:07:15
`;
