'use strict';
// Placeholder benchmark: a short native-vs-js comparison until the full suite
// (W1-W9 with peers) lands. Median of 5 runs after a warm-up.
const path = require('node:path');
const { Loop } = require(path.join(__dirname, '..', 'dist', 'index.js'));

function burst(backend, n) {
  const loop = new Loop({ backend });
  let count = 0;
  const cb = () => count++;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) loop.callSoon(cb);
  loop.callSoon(() => loop.stop());
  loop.runForever();
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  loop.close();
  return n / dt;
}

function timers(backend, n) {
  const loop = new Loop({ backend, clock: 'virtual' });
  let count = 0;
  const cb = () => count++;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) loop.callAt(Math.random(), cb);
  loop.callAt(2, () => loop.stop());
  loop.runForever();
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  loop.close();
  return n / dt;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const N = 1_000_000;
for (const [name, fn] of [['W1 burst', burst], ['W3 timers', timers]]) {
  const res = {};
  for (const backend of ['native', 'js']) fn(backend, N / 10);
  for (const backend of ['native', 'js']) res[backend] = [];
  for (let r = 0; r < 5; r++) for (const backend of ['native', 'js']) res[backend].push(fn(backend, N));
  const nat = median(res.native);
  const js = median(res.js);
  console.log(`${name.padEnd(10)} native ${(nat / 1e6).toFixed(2)} M/s   js ${(js / 1e6).toFixed(2)} M/s   native/js ${(nat / js).toFixed(2)}`);
}
