/**
 * For suites that run Node child processes against the built package (the
 * examples, the process-exit behaviour): make sure `dist/` is up to date,
 * and run `node` with a time bound.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package root. */
export const ROOT = path.join(__dirname, '..');
/** The built CJS entry, as children `require` it. */
export const DIST_ENTRY = path.join(ROOT, 'dist', 'index.js');

/** How long a stale lock (a build that crashed) is respected, ms. */
const STALE_LOCK_MS = 120_000;
const LOCK = path.join(ROOT, 'dist-check', '.build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function distIsFresh(): boolean {
  try {
    const built = Math.min(fs.statSync(DIST_ENTRY).mtimeMs, fs.statSync(path.join(ROOT, 'dist', 'index.mjs')).mtimeMs);
    return built >= newestSource(path.join(ROOT, 'lib'));
  } catch {
    return false;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds `dist/` (`npm run build:ts`, run directly) when it is missing or
 * older than `lib/`. Test files run in parallel processes: a lock directory
 * makes one of them build while the others wait for it.
 */
export function ensureDist(): void {
  if (distIsFresh()) return;
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      try {
        if (Date.now() - fs.statSync(LOCK).mtimeMs > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // the holder just released it
      }
      sleepMs(100);
    }
  }
  try {
    if (distIsFresh()) return;
    const tsc = require.resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-esm.js')], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

/** What a finished child process left behind. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  ms: number;
  /** True when the bound ran out and the child was killed. */
  killed: boolean;
}

/**
 * Runs `node <args>` from the package root and resolves when it exits; kills
 * it (SIGKILL) once `boundMs` passed, so a child that does not exit on its
 * own shows up as `killed` instead of hanging the suite.
 */
export function runNode(args: string[], options: { env?: Record<string, string>; boundMs: number }): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, options.boundMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, killed });
    });
  });
}
