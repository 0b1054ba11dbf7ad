/**
 * Loops in worker_threads (SPEC §8: the addon is context-aware).
 *
 * Each worker loads aioloop from this repo's sources, so the addon is loaded
 * into several Node environments of one process at once. Workers cannot run
 * TypeScript, so the test transpiles lib/ once (with the repo's tsconfig
 * options) and hands the JavaScript to each worker, which serves it through a
 * `.ts` require hook; the loader then finds the addon exactly as it does in
 * the main thread (build/Release, else prebuilds/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from './helpers';

const ROOT = path.join(__dirname, '..');
const ENTRY = path.join(ROOT, 'lib', 'index.ts');

/** Four loops at once, as the issue asks. */
const WORKERS = 4;

/**
 * How long a worker waits for its siblings at the rendezvous before giving
 * up. Only reached when the workers do not in fact run at the same time;
 * generous because the machine is shared and worker start-up is slow there.
 */
const RENDEZVOUS_TIMEOUT_MS = 10_000;

/** A worker that has not exited by then is terminated and the test fails. */
const EXIT_TIMEOUT_MS = 15_000;

let sources: Record<string, string>;

beforeAll(() => {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const compilerOptions = { ...options, sourceMap: false, declaration: false, noEmit: false };
  sources = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts')) {
        const text = fs.readFileSync(file, 'utf8');
        sources[file] = ts.transpileModule(text, { compilerOptions, fileName: file }).outputText;
      }
    }
  };
  walk(path.join(ROOT, 'lib'));
});

/** Runs in each worker before its body: serve lib/*.ts from the transpiled map. */
const PRELUDE = `
const { workerData, parentPort } = require('node:worker_threads');
require.extensions['.ts'] = (module, filename) => {
  const js = workerData.sources[filename];
  if (js === undefined) throw new Error('not transpiled: ' + filename);
  module._compile(js, filename);
};
const aioloop = require(workerData.entry);
`;

/**
 * Each worker runs a loop that schedules timers out of order, then waits in
 * a coroutine step until every sibling has reached the same point (so all
 * loops are mid-run at once), then lets the timers fire and reports.
 */
const LOOPS_AT_ONCE = `${PRELUDE}
const arrived = new Int32Array(workerData.arrived);
const report = aioloop.run(function* () {
  const loop = aioloop.getRunningLoop();
  const fired = [];
  // One base time, so the order is fixed however slowly this thread runs.
  const base = loop.time();
  for (const [id, delay] of [[3, 0.003], [1, 0.001], [4, 0.004], [2, 0.002]]) {
    loop.callAt(base + delay, () => fired.push(id));
  }
  const slept = yield* aioloop.sleep(0.001, 'slept');
  Atomics.add(arrived, 0, 1);
  Atomics.notify(arrived, 0);
  const deadline = Date.now() + workerData.rendezvousMs;
  for (let n; (n = Atomics.load(arrived, 0)) < workerData.count && Date.now() < deadline; ) {
    Atomics.wait(arrived, 0, n, 50);
  }
  const together = Atomics.load(arrived, 0);
  yield* aioloop.sleep(0.005);
  return { backend: loop.backend, fired, slept, together };
}, { backend: workerData.backend });
parentPort.postMessage(report);
`;

/** Leaves loops open with pending timers and callbacks, then exits or idles. */
const OPEN_LOOPS = `${PRELUDE}
for (let i = 0; i < 3; i++) {
  const loop = new aioloop.Loop({ backend: workerData.backend });
  for (let t = 0; t < 1000; t++) loop.callLater(3600 + t, () => {});
  loop.callSoon(() => {});
}
parentPort.postMessage('ready');
if (workerData.stayAlive) setInterval(() => {}, 1000);
`;

interface Outcome {
  messages: unknown[];
  code: number;
}

/** Starts a worker and resolves with what it posted and its exit code. */
function start(code: string, data: Record<string, unknown>, onMessage?: (w: Worker) => void): Promise<Outcome> {
  const worker = new Worker(code, { eval: true, workerData: { sources, entry: ENTRY, ...data } });
  const messages: unknown[] = [];
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`worker did not exit within ${EXIT_TIMEOUT_MS} ms`));
    }, EXIT_TIMEOUT_MS);
    worker.on('message', (m) => {
      messages.push(m);
      onMessage?.(worker);
    });
    worker.on('error', (err) => {
      clearTimeout(guard);
      reject(err);
    });
    worker.on('exit', (exitCode) => {
      clearTimeout(guard);
      resolve({ messages, code: exitCode });
    });
  });
}

function loopsAtOnce(backend: Backend): Promise<Outcome[]> {
  const arrived = new SharedArrayBuffer(4);
  const data = { backend, arrived, count: WORKERS, rendezvousMs: RENDEZVOUS_TIMEOUT_MS };
  return Promise.all(Array.from({ length: WORKERS }, () => start(LOOPS_AT_ONCE, data)));
}

describe.each(BACKENDS)('worker threads (%s)', (backend) => {
  it('runs a loop with timers in each of four workers at the same time', async () => {
    const outcomes = await loopsAtOnce(backend);
    for (const { messages, code } of outcomes) {
      expect(code).toBe(0);
      expect(messages).toEqual([{ backend, fired: [1, 2, 3, 4], slept: 'slept', together: WORKERS }]);
    }
  });

  it('loads the addon again in new workers after earlier ones exited', async () => {
    await loopsAtOnce(backend);
    const again = await loopsAtOnce(backend);
    expect(again.map((o) => [o.code, (o.messages[0] as { backend: string }).backend])).toEqual(
      Array.from({ length: WORKERS }, () => [0, backend]),
    );
  });

  it('exits cleanly with loops left open and timers pending', async () => {
    const outcome = await start(OPEN_LOOPS, { backend, stayAlive: false });
    expect(outcome).toEqual({ messages: ['ready'], code: 0 });
  });

  it('survives terminate() of a worker whose loops are open', async () => {
    const outcome = await start(OPEN_LOOPS, { backend, stayAlive: true }, (w) => void w.terminate());
    expect(outcome).toEqual({ messages: ['ready'], code: 1 });
    const after = await loopsAtOnce(backend);
    expect(after.every((o) => o.code === 0)).toBe(true);
  });
});
