/**
 * The seed's examples run as aioloop programs (against the built package:
 * `npm test` builds it first).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers';

const root = path.join(__dirname, '..');

function runExample(file: string, ...args: string[]): string {
  return execFileSync(process.execPath, [path.join(root, 'examples', file), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20000,
  });
}

describe.each(BACKENDS)('seed examples (%s)', (backend) => {
  it('01: the Task prototype prints Hello Bar, then Hello Foo', () => {
    expect(runExample('01_task_prototype.js', backend)).toBe('Hello Bar\nHello Foo\n');
  });
});

describe('seed examples', () => {
  it('02: a user-written loop drives aioloop Tasks: Foo, then Bar', () => {
    expect(runExample('02_minimal_loop.js')).toBe('Foo\nBar\n');
  });
});
