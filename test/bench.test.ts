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
  'asyncio',
  'uvloop',
  'floor-array',
  'floor-generator',
];

function row(workload: string, subject: string, median: number | null, extra: Partial<Row> = {}): Row {
  return { workload, subject, unit: workload.startsWith('W8') ? 'bytes' : 'ops/s', median, min: median, max: median, runs: median === null ? 0 : 5, ...extra };
}

const SAMPLE: Results = {
  machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0', date: '2026-01-01T00:00:00.000Z' },
  results: [
    row('W1', 'native', 2e7),
    row('W1', 'js', 1e7),
    row('W1', 'uvloop', null, { note: 'skipped: no uvloop' }),
    row('W8', 'native', 50),
    row('W8', 'js', 100),
  ],
};

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

  it('shows ratios below 0.01 as <0.01×', () => {
    expect(report.formatRatio(0.00004)).toBe('<0.01×');
  });
});

describe('npm run bench output', () => {
  it('writes results in the latest.json schema', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aioloop-bench-'));
    const out = path.join(dir, 'r.json');
    const r = spawnSync(
      process.execPath,
      ['benchmarks/run.js', '--quick', '--only', 'W2,W8', '--subjects', 'native,js,floor-array', '--runs', '1', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const data = JSON.parse(fs.readFileSync(out, 'utf8')) as Results;
    expect(Object.keys(data).sort()).toEqual(['machine', 'results']);
    expect(typeof data.machine.cpu).toBe('string');
    expect(typeof data.machine.cores).toBe('number');
    expect(typeof data.machine.node).toBe('string');
    expect(Number.isNaN(Date.parse(String(data.machine.date)))).toBe(false);
    const keys = new Set(['workload', 'subject', 'unit', 'median', 'min', 'max', 'runs', 'note']);
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
      ].sort(),
    );
    expect(fs.readFileSync(path.join(dir, 'r.svg'), 'utf8').startsWith('<svg')).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 150_000);
});
