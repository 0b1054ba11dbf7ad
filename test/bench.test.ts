/**
 * The benchmark suite's contract with the tools that read its output: the
 * latest.json schema (names are stable) and the chart. No speed is asserted
 * anywhere: a benchmark's figures are never a test's business.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Row {
  workload: string;
  subject: string;
  unit: string;
  median: number | null;
  min: number | null;
  max: number | null;
  runs: number;
  lagP99Ms?: number;
  hostedVsBlocking?: number;
  note?: string;
}
interface Results {
  machine: Record<string, unknown>;
  results: Row[];
}
interface Report {
  renderSvg(data: Results): string;
  markdownTable(data: Results, only?: string[]): string;
  formatRatio(x: number | null): string;
  consoleTable(data: Results): string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const report = require('../benchmarks/report.js') as Report;
const ROOT = path.join(__dirname, '..');

const SUBJECTS = [
  'native',
  'js',
  'setImmediate',
  'queueMicrotask',
  'setTimeout',
  'promise',
  'async-await',
  'fake-timers',
  'asyncio',
  'uvloop',
  'floor-array',
  'floor-generator',
];

function row(workload: string, subject: string, median: number | null, extra: Partial<Row> = {}): Row {
  const unit = workload.startsWith('W8') || workload === 'W13' ? 'bytes' : 'ops/s';
  return { workload, subject, unit, median, min: median, max: median, runs: median === null ? 0 : 5, ...extra };
}

const SAMPLE: Results = {
  machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0', date: '2026-01-01T00:00:00.000Z' },
  results: [
    row('W1', 'native', 2e7),
    row('W1', 'js', 1e7),
    row('W1', 'uvloop', null, { note: 'skipped: no uvloop' }),
    row('W8', 'native', 50),
    row('W8', 'js', 100),
    row('W12-chain', 'native', 1e7, { lagP99Ms: 4.25, hostedVsBlocking: 0.8 }),
    row('W12-chain', 'async-await', 2e7, { lagP99Ms: 250 }),
    row('W13', 'native', 2000),
  ],
};

/** The row names tools read from latest.json (issue 12): stable. */
const NEW_ROWS = [
  ...['virtual', 'monotonic'].flatMap((clock) => [1, 10, 100, 10000].map((k) => `W10-${clock}-${k}`)),
  'W11',
  'W4r',
  'W12-chain',
  'W12-switch',
  'W13',
];

describe('benchmark report', () => {
  it('draws one bar per measured row', () => {
    const svg = report.renderSvg(SAMPLE);
    expect(svg.startsWith('<svg')).toBe(true);
    // One background rect plus one bar for each row with a median.
    expect(svg.match(/<rect /g)?.length).toBe(1 + SAMPLE.results.filter((r) => r.median !== null).length);
  });

  it('labels a skipped row instead of drawing it', () => {
    const svg = report.renderSvg(SAMPLE);
    expect(svg).toContain('>uvloop<');
    expect(svg).toContain('>skipped<');
  });

  it('gives each subject its ratio to native in the Markdown table', () => {
    const md = report.markdownTable(SAMPLE);
    expect(md).toContain('| W1 burst | **20.0 M** | 10.0 M (0.50×) |');
    expect(md).toContain('| W8 memory / timer | **50.0 B** | 100 B (2.00×) |');
  });

  it("shows W12's interval lateness beside the throughput", () => {
    const md = report.markdownTable(SAMPLE);
    expect(md).toContain('| W12-chain hosted chain | **10.0 M** (p99 late 4.25 ms, 0.80× blocking) |');
    expect(md).toContain('20.0 M (2.00×, p99 late 250 ms)');
    const table = report.consoleTable(SAMPLE);
    expect(table).toMatch(/native .* 4\.25 ms +0\.80×/);
    expect(report.renderSvg(SAMPLE)).toContain('p99 late 4.25 ms');
  });

  it('draws a panel whose runs measured zero (W13 can: the allocator reuses pages)', () => {
    const zero: Results = {
      machine: SAMPLE.machine,
      results: [row('W13', 'native', 500, { min: 0 }), row('W13', 'js', 0)],
    };
    const svg = report.renderSvg(zero);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect /g)?.length).toBe(3);
    const none: Results = { machine: SAMPLE.machine, results: [row('W13', 'native', 0), row('W13', 'js', 0)] };
    expect(report.renderSvg(none).startsWith('<svg')).toBe(true);
  });

  it('shows ratios below 0.01 as <0.01×', () => {
    expect(report.formatRatio(0.00004)).toBe('<0.01×');
  });
});

describe('npm run bench workloads', () => {
  it('has the rows of the shapes users have, under their stable names', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WORKLOADS, JS_SUBJECTS } = require('../benchmarks/workloads.js') as {
      WORKLOADS: { id: string; unit: string }[];
      JS_SUBJECTS: Record<string, Record<string, unknown>>;
    };
    const ids = WORKLOADS.map((w) => w.id);
    for (const id of NEW_ROWS) expect(ids).toContain(id);
    expect(WORKLOADS.find((w) => w.id === 'W13')?.unit).toBe('bytes');
    for (const id of NEW_ROWS) {
      expect(typeof JS_SUBJECTS.native[id], id).toBe('function');
      expect(typeof JS_SUBJECTS.js[id], id).toBe('function');
    }
    for (const id of ['W9', 'W10-virtual-1', 'W10-virtual-10000']) expect(typeof JS_SUBJECTS['fake-timers'][id], id).toBe('function');
    for (const id of ['W10-monotonic-1', 'W4r']) expect(typeof JS_SUBJECTS.setTimeout[id], id).toBe('function');
  });
});

describe('npm run bench output', () => {
  it('writes results in the latest.json schema', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aioloop-bench-'));
    const out = path.join(dir, 'r.json');
    const r = spawnSync(
      process.execPath,
      ['benchmarks/run.js', '--quick', '--only', 'W2,W8,W12-chain,W13', '--subjects', 'native,js,floor-array', '--runs', '1', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const data = JSON.parse(fs.readFileSync(out, 'utf8')) as Results;
    expect(Object.keys(data).sort()).toEqual(['machine', 'results']);
    expect(typeof data.machine.cpu).toBe('string');
    expect(typeof data.machine.cores).toBe('number');
    expect(typeof data.machine.node).toBe('string');
    expect(Number.isNaN(Date.parse(String(data.machine.date)))).toBe(false);
    const keys = new Set(['workload', 'subject', 'unit', 'median', 'min', 'max', 'runs', 'lagP99Ms', 'hostedVsBlocking', 'note']);
    for (const x of data.results) {
      for (const k of Object.keys(x)) expect(keys.has(k), k).toBe(true);
      expect(SUBJECTS).toContain(x.subject);
      expect(['ops/s', 'bytes']).toContain(x.unit);
      expect(x.runs).toBe(1);
      expect(x.median).toBeGreaterThan(0);
      expect(x.min).toBeLessThanOrEqual(x.median!);
      expect(x.max).toBeGreaterThanOrEqual(x.median!);
    }
    const got = data.results.map((x) => `${x.workload} ${x.subject} ${x.unit}`).sort();
    expect(got).toEqual(
      [
        'W2 native ops/s',
        'W2 js ops/s',
        'W2 floor-array ops/s',
        'W8 native bytes',
        'W8 js bytes',
        'W8-soon native bytes',
        'W8-soon js bytes',
        'W8-soon floor-array bytes',
        'W12-chain native ops/s',
        'W12-chain js ops/s',
        'W13 native bytes',
        'W13 js bytes',
      ].sort(),
    );
    for (const x of data.results.filter((r) => r.workload === 'W12-chain')) {
      expect(x.lagP99Ms).toBeGreaterThanOrEqual(0);
      expect(x.hostedVsBlocking).toBeGreaterThan(0);
    }
    expect(fs.readFileSync(path.join(dir, 'r.svg'), 'utf8').startsWith('<svg')).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 150_000);
});
