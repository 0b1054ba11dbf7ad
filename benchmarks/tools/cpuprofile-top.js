'use strict';
/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with
 * the most self time, as a share of all samples, with their file:line.
 *
 *   node benchmarks/tools/cpuprofile-top.js <file.cpuprofile> [top=25]
 *
 * "(garbage collector)" is V8's GC, "(program)" native code outside any JS
 * frame (the addon, N-API glue, V8 runtime), "(idle)" waiting.
 */
const fs = require('node:fs');
const path = require('node:path');

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpuprofile-top.js <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg || 25);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const id of prof.samples) counts.set(id, (counts.get(id) || 0) + 1);
const total = prof.samples.length;
const self = new Map();
for (const [id, c] of counts) {
  const cf = byId.get(id).callFrame;
  const where = cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : '';
  const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) || 0) + c);
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
const ms = (prof.endTime - prof.startTime) / 1000;
console.log(`${path.basename(file)}: ${total} samples over ${ms.toFixed(0)} ms`);
for (const [k, c] of rows) console.log(`${((100 * c) / total).toFixed(1).padStart(6)}%  ${k}`);
