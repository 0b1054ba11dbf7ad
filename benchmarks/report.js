'use strict';
/**
 * Turns results (the latest.json shape) into the console table, a Markdown
 * table for the README, and the SVG bar chart (log scale).
 *
 *   node benchmarks/report.js [results.json]
 *
 * re-renders `<results>.svg` from a JSON file (default
 * benchmarks/results/latest.json) and prints the README's two Markdown
 * tables (aioloop with the floors; aioloop with the peers), so the README can
 * be refreshed without re-running the suite.
 */
const fs = require('node:fs');
const path = require('node:path');

/** Subjects in display order (also the chart's colours). */
const SUBJECT_ORDER = [
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

const COLORS = {
  native: '#e8590c',
  js: '#1c7ed6',
  setImmediate: '#2b8a3e',
  queueMicrotask: '#37b24d',
  setTimeout: '#66a80f',
  promise: '#0ca678',
  'async-await': '#099268',
  'fake-timers': '#f08c00',
  asyncio: '#7048e8',
  uvloop: '#ae3ec9',
  'floor-array': '#868e96',
  'floor-generator': '#adb5bd',
};

/** Workload display names (id -> short title). */
const TITLES = {
  W1: 'burst',
  W2: 'chain',
  W3: 'timers',
  W4: 'cancel',
  W5: 'switch',
  W6: 'future',
  W7: 'gather',
  W8: 'memory / timer',
  'W8-soon': 'memory / callSoon',
  W9: 'sim',
  W11: 'M/M/1',
  W4r: 'cancel, spread',
  'W12-chain': 'hosted chain',
  'W12-switch': 'hosted switch',
  W13: 'memory / loop',
};
/** W10's rows: one per clock and chain count. */
const W10_CHAINS = [1, 10, 100, 10000];
for (const clock of ['virtual', 'monotonic']) {
  for (const k of W10_CHAINS) TITLES[`W10-${clock}-${k}`] = `chains ×${k.toLocaleString('en-US')}`;
}

const WORKLOAD_ORDER = [
  'W1', 'W2', 'W3', 'W4', 'W4r', 'W5', 'W6', 'W7', 'W8', 'W8-soon', 'W13', 'W9',
  ...W10_CHAINS.map((k) => `W10-virtual-${k}`),
  ...W10_CHAINS.map((k) => `W10-monotonic-${k}`),
  'W11', 'W12-chain', 'W12-switch',
];

function bySubject(a, b) {
  return rank(SUBJECT_ORDER, a.subject) - rank(SUBJECT_ORDER, b.subject);
}

function rank(list, x) {
  const i = list.indexOf(x);
  return i < 0 ? list.length : i;
}

/** 31.2 M, 850 k, 12.3 — three significant figures with an SI suffix. */
function si(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const units = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, suffix] of units) {
    if (Math.abs(x) >= scale) return `${sig(x / scale)} ${suffix}`;
  }
  return sig(x);
}

/** 1, 10, 100, 1k, 10k, ... 1G: an axis label for 10^e. */
function decade(e) {
  const suffix = ['', 'k', 'M', 'G', 'T'][Math.floor(e / 3)] ?? `e${e}`;
  return e < 0 ? String(10 ** e) : `${10 ** (e % 3)}${suffix}`;
}

function sig(x) {
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** "p99 late 3.2 ms, 0.85× blocking" for a row measured beside a Node interval (W12), else "". */
function lagText(r, withBlocking = true) {
  if (typeof r.lagP99Ms !== 'number') return '';
  const vs = withBlocking && typeof r.hostedVsBlocking === 'number' ? `, ${formatRatio(r.hostedVsBlocking)} blocking` : '';
  return `p99 late ${sig(r.lagP99Ms)} ms${vs}`;
}

/** "12.3 M/s" or "104 B". */
function formatValue(value, unit) {
  if (value === null || value === undefined) return '—';
  return unit === 'bytes' ? `${sig(value)} B` : `${si(value)}/s`;
}

function ratio(r, native) {
  if (!native || native.median === null || r.median === null || native.median === 0) return null;
  return r.median / native.median;
}

function formatRatio(x) {
  if (x === null) return '—';
  if (x < 0.01) return '<0.01×';
  return x >= 100 ? `${x.toFixed(0)}×` : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`;
}

/** Results grouped by workload, in display order. */
function groups(results) {
  const map = new Map();
  for (const r of results) {
    if (!map.has(r.workload)) map.set(r.workload, []);
    map.get(r.workload).push(r);
  }
  const ids = [...map.keys()].sort((a, b) => rank(WORKLOAD_ORDER, a) - rank(WORKLOAD_ORDER, b));
  return ids.map((id) => ({ id, rows: map.get(id).sort(bySubject) }));
}

/** The console table: one block per workload. */
function consoleTable(data, describeWorkload = () => '') {
  const lines = [];
  // A subject skipped for a reason (uvloop not installed, ...) is skipped on
  // every workload: give the reason once, then refer back to it.
  const givenNotes = new Set();
  const noteOf = (r) => {
    if (!r.note || !r.note.startsWith('skipped:')) return r.note || '';
    if (givenNotes.has(r.note)) return 'skipped (the reason is given above)';
    givenNotes.add(r.note);
    return r.note;
  };
  for (const g of groups(data.results)) {
    const unit = g.rows[0].unit;
    const native = g.rows.find((r) => r.subject === 'native');
    const better = unit === 'bytes' ? 'bytes per item, lower is better' : 'ops/s, higher is better';
    // W12: the interval's p99 lateness, and the hosted run against the blocking one.
    const lag = g.rows.some((r) => typeof r.lagP99Ms === 'number');
    lines.push('');
    lines.push(`${g.id} ${TITLES[g.id] || ''} — ${describeWorkload(g.id)} (${better})`);
    const lagHead = lag ? `${'p99 late'.padStart(10)}${'/blocking'.padStart(10)}` : '';
    lines.push(`  ${'subject'.padEnd(16)}${'median'.padStart(13)}${'min'.padStart(13)}${'max'.padStart(13)}${'/native'.padStart(9)}${lagHead}  runs  note`);
    for (const r of g.rows) {
      const f = (v) => (unit === 'bytes' ? formatValue(v, unit) : v === null ? '—' : `${si(v)}/s`);
      const lagCells = lag
        ? `${(typeof r.lagP99Ms === 'number' ? `${sig(r.lagP99Ms)} ms` : '—').padStart(10)}` +
          `${(typeof r.hostedVsBlocking === 'number' ? formatRatio(r.hostedVsBlocking) : '—').padStart(10)}`
        : '';
      lines.push(
        `  ${r.subject.padEnd(16)}${f(r.median).padStart(13)}${f(r.min).padStart(13)}${f(r.max).padStart(13)}` +
          `${formatRatio(ratio(r, native)).padStart(9)}${lagCells}  ${String(r.runs).padStart(4)}  ${noteOf(r)}`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * A Markdown table: workloads as rows, subjects as columns, "value (ratio to
 * native)". `only` picks and orders the columns (default: every subject).
 */
function markdownTable(data, only = SUBJECT_ORDER) {
  const present = new Set(data.results.map((r) => r.subject));
  const subjects = only.filter((s) => present.has(s));
  const out = [];
  out.push(`| workload | ${subjects.map((s) => `\`${s}\``).join(' | ')} |`);
  out.push(`|---|${subjects.map(() => '---:').join('|')}|`);
  for (const g of groups(data.results)) {
    const native = g.rows.find((r) => r.subject === 'native');
    const cells = subjects.map((s) => {
      const r = g.rows.find((x) => x.subject === s);
      if (!r) return '';
      if (r.median === null) return r.note && r.note.startsWith('failed') ? 'failed' : 'skipped';
      const v = r.unit === 'bytes' ? `${sig(r.median)} B` : si(r.median);
      const lag = lagText(r) ? `, ${lagText(r)}` : '';
      return s === 'native' ? `**${v}**${lag ? ` (${lag.slice(2)})` : ''}` : `${v} (${formatRatio(ratio(r, native))}${lag})`;
    });
    out.push(`| ${g.id} ${TITLES[g.id] || ''} | ${cells.join(' | ')} |`);
  }
  return out.join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The chart: one horizontal bar per (workload, subject), grouped by workload,
 * log-scale axis; a second panel for the memory workloads (bytes, lower is
 * better). Every bar carries its subject's name and value so the chart reads
 * without the legend.
 */
function renderSvg(data) {
  const W = 920;
  const labelX = 178; // right edge of the subject labels
  const x0 = 186;
  const x1 = W - 112; // leave room for value labels
  const barH = 12;
  const barGap = 4;
  const groupGap = 14;
  const parts = [];
  let y = 0;

  const m = data.machine || {};
  const title = 'aioloop benchmarks';
  const sub = [m.cpu, m.cores ? `${m.cores} cores` : null, m.node ? `Node ${m.node}` : null, m.python ? `Python ${m.python}` : null, m.date ? m.date.slice(0, 10) : null]
    .filter(Boolean)
    .join(' · ');
  parts.push(`<text x="16" y="28" font-size="20" font-weight="700" fill="#212529">${esc(title)}</text>`);
  parts.push(`<text x="16" y="48" font-size="12" fill="#495057">${esc(sub)} · median of the runs, whiskers min–max</text>`);
  y = 64;

  const all = groups(data.results);
  const panels = [
    { unit: 'ops/s', heading: 'throughput (ops/s, log scale, higher is better)', gs: all.filter((g) => g.rows[0].unit !== 'bytes') },
    { unit: 'bytes', heading: 'memory (bytes per pending item; W13: per idle loop; log scale, lower is better)', gs: all.filter((g) => g.rows[0].unit === 'bytes') },
  ].filter((p) => p.gs.length > 0);

  let footnote = false;
  for (const panel of panels) {
    const vals = [];
    // A log axis: only positive values place it (a W13 run can measure 0 bytes
    // when the allocator reuses pages; log10(0) would make the tick loop endless).
    for (const g of panel.gs) {
      for (const r of g.rows) {
        if (r.median === null) continue;
        for (const v of [r.min ?? r.median, r.max ?? r.median]) if (v > 0 && Number.isFinite(v)) vals.push(v);
      }
    }
    if (vals.length === 0) continue;
    let lo = Math.floor(Math.log10(Math.min(...vals)));
    let hi = Math.ceil(Math.log10(Math.max(...vals)));
    if (hi === lo) hi = lo + 1;
    const sx = (v) => x0 + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (x1 - x0);

    y += 18;
    parts.push(`<text x="16" y="${y}" font-size="14" font-weight="700" fill="#343a40">${esc(panel.heading)}</text>`);
    y += 10;
    const axisTop = y;
    const ticks = [];
    for (let e = lo; e <= hi; e++) ticks.push(e);
    // Tick labels on top.
    y += 14;
    for (const e of ticks) {
      const label = decade(e) + (panel.unit === 'bytes' ? ' B' : '');
      parts.push(`<text x="${sx(10 ** e).toFixed(1)}" y="${y}" font-size="11" fill="#868e96" text-anchor="middle">${esc(label)}</text>`);
    }
    y += 6;
    const gridTop = y;
    const body = [];
    for (const g of panel.gs) {
      y += groupGap;
      const native = g.rows.find((r) => r.subject === 'native');
      body.push(`<text x="16" y="${y + 2}" font-size="13" font-weight="700" fill="#212529">${esc(`${g.id} ${TITLES[g.id] || ''}`)}</text>`);
      y += 6;
      for (const r of g.rows) {
        const cy = y + barH / 2;
        // In the memory panel every row has a note (its breakdown): no mark there.
        const mark = panel.unit !== 'bytes' && r.note && r.median !== null ? ' †' : '';
        if (mark) footnote = true;
        const weight = r.subject === 'native' ? '700' : '400';
        body.push(`<text x="${labelX}" y="${cy + 4}" font-size="11.5" font-weight="${weight}" fill="#343a40" text-anchor="end">${esc(r.subject + mark)}</text>`);
        if (r.median === null) {
          const why = r.note && r.note.startsWith('failed') ? 'failed' : 'skipped';
          body.push(`<text x="${x0 + 4}" y="${cy + 4}" font-size="11" font-style="italic" fill="#adb5bd">${why}</text>`);
        } else {
          const w = Math.max(1, sx(r.median) - x0);
          body.push(`<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="2" fill="${COLORS[r.subject] || '#495057'}"/>`);
          if (r.min !== null && r.max !== null && r.max > r.min) {
            const a = sx(r.min);
            const b = sx(r.max);
            body.push(`<line x1="${a.toFixed(1)}" x2="${b.toFixed(1)}" y1="${cy}" y2="${cy}" stroke="#212529" stroke-width="1"/>`);
            body.push(`<line x1="${a.toFixed(1)}" x2="${a.toFixed(1)}" y1="${cy - 3}" y2="${cy + 3}" stroke="#212529" stroke-width="1"/>`);
            body.push(`<line x1="${b.toFixed(1)}" x2="${b.toFixed(1)}" y1="${cy - 3}" y2="${cy + 3}" stroke="#212529" stroke-width="1"/>`);
          }
          const rt = (r.subject === 'native' ? '' : ` (${formatRatio(ratio(r, native))})`) + (lagText(r) ? ` · ${lagText(r, false)}` : '');
          const label = (panel.unit === 'bytes' ? `${sig(r.median)} B` : si(r.median)) + rt;
          const lx = Math.max(sx(r.median), r.max !== null ? sx(r.max) : 0) + 5;
          body.push(`<text x="${lx.toFixed(1)}" y="${cy + 4}" font-size="11" fill="#212529">${esc(label)}</text>`);
        }
        y += barH + barGap;
      }
    }
    y += 4;
    // Decade grid lines behind the bars.
    for (const e of ticks) {
      const x = sx(10 ** e).toFixed(1);
      parts.push(`<line x1="${x}" x2="${x}" y1="${gridTop}" y2="${y}" stroke="#e9ecef" stroke-width="1"/>`);
    }
    parts.push(`<line x1="${x0}" x2="${x0}" y1="${gridTop}" y2="${y}" stroke="#adb5bd" stroke-width="1"/>`);
    parts.push(...body);
    void axisTop;
    y += 8;
  }
  y += 6;
  const foot = [
    'Ratios in parentheses are to native (ops/s: above 1 is faster than native; bytes: above 1 uses more memory).',
    footnote ? '† the shape differs from the workload as written (real clock, smaller size, stand-in, ...): see the note in latest.json.' : null,
    panels.some((p) => p.unit === 'bytes') ? 'Memory: V8 heap + malloc growth after full GCs for Node subjects (W13: RSS growth); RSS growth in a fresh process for Python.' : null,
    all.some((g) => g.rows.some((r) => typeof r.lagP99Ms === 'number')) ? 'W12: "p99 late" is how late a Node setInterval(1 ms) beside the run fired (99th percentile).' : null,
  ].filter(Boolean);
  for (const f of foot) {
    y += 15;
    parts.push(`<text x="16" y="${y}" font-size="11" fill="#495057">${esc(f)}</text>`);
  }
  y += 14;
  const H = Math.ceil(y);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">\n` +
    `<rect width="${W}" height="${H}" fill="#ffffff"/>\n` +
    parts.join('\n') +
    '\n</svg>\n'
  );
}

module.exports = { consoleTable, markdownTable, renderSvg, formatValue, formatRatio, si, SUBJECT_ORDER, TITLES, WORKLOAD_ORDER };

if (require.main === module) {
  const file = path.resolve(process.argv[2] || path.join(__dirname, 'results', 'latest.json'));
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  const svg = file.replace(/\.json$/, '') + '.svg';
  fs.writeFileSync(svg, renderSvg(data));
  process.stdout.write(markdownTable(data, ['native', 'js', 'floor-array', 'floor-generator']) + '\n\n');
  process.stdout.write(markdownTable(data, ['native', 'setImmediate', 'queueMicrotask', 'setTimeout', 'promise', 'async-await', 'fake-timers', 'asyncio', 'uvloop']) + '\n');
  process.stderr.write(`wrote ${path.relative(process.cwd(), svg)}\n`);
}
