/**
 * Where the addon cannot load, aioloop runs on the js core with one warning;
 * AIOLOOP_BACKEND=native turns that into an error naming the cause. Shown on
 * a copy of the built package that has no binary.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
let dir = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aioloop-nobinary-'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const program = `
  const { Loop, run, sleep } = require('./dist/index.js');
  const a = new Loop(); const b = new Loop();
  const v = run(function* () { yield* sleep(0.001); return 'ok'; });
  console.log(a.backend, b.backend, v);
`;

describe('without the native binary', () => {
  it('falls back to js with exactly one warning naming the load error', () => {
    const env = { ...process.env };
    delete env.AIOLOOP_BACKEND;
    const r = spawnSync(process.execPath, ['-e', program], { cwd: dir, env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('js js ok');
    const warnings = r.stderr.split('\n').filter((l) => l.includes('AIOLOOP_NATIVE_UNAVAILABLE') || l.includes('native core could not be loaded'));
    expect(warnings).toHaveLength(1);
    expect(r.stderr).toMatch(/No native build was found|Cannot find|could not be loaded \(/);
  });

  it('AIOLOOP_BACKEND=native throws the load error instead', () => {
    const r = spawnSync(process.execPath, ['-e', program], {
      cwd: dir,
      env: { ...process.env, AIOLOOP_BACKEND: 'native' },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the native backend cannot be loaded/);
  });

  it('AIOLOOP_BACKEND=js uses js silently', () => {
    const out = execFileSync(process.execPath, ['-e', program], {
      cwd: dir,
      env: { ...process.env, AIOLOOP_BACKEND: 'js' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out.trim()).toBe('js js ok');
  });
});
