/**
 * asyncio.subprocess in hosted mode: createSubprocessExec/Shell, Process
 * with stream pipes, wait, communicate, signals. Children are `node -e`
 * scripts and /bin/sh one-liners, each bounded in time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  DEVNULL,
  EventLoopError,
  gather,
  PIPE,
  runAsync,
  sleep,
  STDOUT,
  waitFor,
  type Coroutine,
  type Process,
} from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

const NODE = process.execPath;
/** A child echoing stdin to stdout (a `cat` that exists wherever Node does). */
const CAT = 'process.stdin.pipe(process.stdout)';

describe.each(BACKENDS)('subprocess (%s)', (backend) => {
  const hosted = <T>(main: () => Coroutine<T>) => runAsync(main, { backend });

  it('communicate() gives stdout and stderr; returncode is the exit status', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessExec(
        NODE,
        '-e',
        "process.stdout.write('out'); process.stderr.write('err'); process.exitCode = 3",
        { stdout: PIPE, stderr: PIPE },
      );
      const before = proc.returncode;
      const [out, err] = yield* proc.communicate();
      return { before, out: out!.toString(), err: err!.toString(), code: proc.returncode, pid: proc.pid > 0 };
    });
    expect(got).toEqual({ before: null, out: 'out', err: 'err', code: 3, pid: true });
  });

  it('communicate(input) feeds stdin and closes it; a megabyte goes through both pipes intact', async () => {
    const input = Buffer.alloc(1 << 20);
    for (let i = 0; i < input.length; i++) input[i] = (i * 31) & 0xff;
    const got = await hosted(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', CAT, { stdin: PIPE, stdout: PIPE });
      const [out, err] = yield* proc.communicate(input);
      return { same: out!.equals(input), err, code: proc.returncode };
    });
    expect(got).toEqual({ same: true, err: null, code: 0 });
  });

  it('stream pipes: write lines to stdin and read them back one at a time', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', CAT, { stdin: PIPE, stdout: PIPE });
      const lines: string[] = [];
      for (const word of ['alpha', 'beta', 'gamma']) {
        proc.stdin!.write(`${word}\n`);
        yield* proc.stdin!.drain();
        lines.push((yield* proc.stdout!.readline()).toString());
      }
      proc.stdin!.close();
      const rest = yield* proc.stdout!.read();
      const code = yield* proc.wait();
      return { lines, rest: rest.length, code, eof: proc.stdout!.atEof() };
    });
    expect(got).toEqual({ lines: ['alpha\n', 'beta\n', 'gamma\n'], rest: 0, code: 0, eof: true });
  });

  it('createSubprocessShell runs through /bin/sh', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessShell('echo one; echo two 1>&2; exit 7', { stdout: PIPE, stderr: PIPE });
      const [out, err] = yield* proc.communicate();
      return [out!.toString(), err!.toString(), proc.returncode];
    });
    expect(got).toEqual(['one\n', 'two\n', 7]);
  });

  it('stderr: STDOUT merges stderr into the stdout pipe; EOF comes once both ended', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessShell('echo out; sleep 0.05; echo err 1>&2; sleep 0.05; echo out2', {
        stdout: PIPE,
        stderr: STDOUT,
      });
      const [out, err] = yield* proc.communicate();
      return { out: out!.toString(), err, stderr: proc.stderr, code: proc.returncode };
    });
    expect(got).toEqual({ out: 'out\nerr\nout2\n', err: null, stderr: null, code: 0 });
  });

  it('stderr: STDOUT with stdout DEVNULL discards both', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessShell('echo out; echo err 1>&2', { stdout: DEVNULL, stderr: STDOUT });
      const [out, err] = yield* proc.communicate();
      return [out, err, proc.returncode];
    });
    expect(got).toEqual([null, null, 0]);
  });

  it('a pipeline: the output of one child is the input of the next', async () => {
    const got = await hosted(function* () {
      const producer = yield* createSubprocessShell('for i in 3 1 2; do echo $i; done', { stdout: PIPE });
      const sorter = yield* createSubprocessExec('sort', '-n', { stdin: PIPE, stdout: PIPE });
      function* pump(): Coroutine<void> {
        for (;;) {
          const chunk = yield* producer.stdout!.read(4096);
          if (chunk.length === 0) break;
          sorter.stdin!.write(chunk);
          yield* sorter.stdin!.drain();
        }
        sorter.stdin!.close();
      }
      const [, sorted] = yield* gather(pump(), sorter.stdout!.read());
      return [sorted.toString(), yield* producer.wait(), yield* sorter.wait()];
    });
    expect(got).toEqual(['1\n2\n3\n', 0, 0]);
  });

  it('a child killed mid-communicate: what it wrote is delivered, returncode is -SIGKILL', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessExec(
        NODE,
        '-e',
        "process.stdout.write('partial output', () => process.stderr.write('ready\\n')); setTimeout(() => {}, 60000)",
        { stdin: PIPE, stdout: PIPE, stderr: PIPE },
      );
      // The child has written its output once it says 'ready'.
      const ready = (yield* proc.stderr!.readline()).toString();
      const talking = createTask(proc.communicate('some input'));
      yield* sleep(0.02);
      proc.kill();
      const [out, err] = yield* talking;
      return { ready, out: out!.toString(), err: err!.toString(), code: proc.returncode };
    });
    expect(got).toEqual({ ready: 'ready\n', out: 'partial output', err: '', code: -9 });
  });

  it('a child killed after writing megabytes mid-communicate: every byte it wrote is delivered', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aioloop-sub-'));
    const marker = path.join(dir, 'written');
    const SIZE = 3 << 20;
    try {
      const got = await hosted(function* () {
        const proc = yield* createSubprocessExec(
          NODE,
          '-e',
          `process.stdout.write(Buffer.alloc(${SIZE}, 65), () => require('fs').writeFileSync(${JSON.stringify(marker)}, '')); setTimeout(() => {}, 60000)`,
          { stdin: PIPE, stdout: PIPE, stderr: PIPE },
        );
        const talking = createTask(proc.communicate());
        const end = Date.now() + 15_000;
        while (!fs.existsSync(marker) && Date.now() < end) yield* sleep(0.01);
        proc.kill();
        const [out] = yield* talking;
        return { n: out!.length, all65: out!.every((b) => b === 65), code: proc.returncode };
      });
      expect(got).toEqual({ n: SIZE, all65: true, code: -9 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('terminate() gives -SIGTERM; a signal sent after exit is ProcessLookupError', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', 'setTimeout(() => {}, 60000)', { stdout: DEVNULL });
      proc.terminate();
      const code = yield* proc.wait();
      let err: NodeJS.ErrnoException | null = null;
      try {
        proc.sendSignal('SIGTERM');
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      return { code, name: err?.name, errno: err?.code, again: yield* proc.wait() };
    });
    expect(got).toEqual({ code: -15, name: 'ProcessLookupError', errno: 'ESRCH', again: -15 });
  });

  it('wait() can be cancelled and waited on again; the child goes on', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', 'setTimeout(() => {}, 200)', { stdout: DEVNULL });
      let timedOut = false;
      try {
        yield* waitFor(proc.wait(), 0.01);
      } catch (e) {
        timedOut = (e as Error).name === 'TimeoutError';
      }
      return { timedOut, code: yield* proc.wait() };
    });
    expect(got).toEqual({ timedOut: true, code: 0 });
  });

  it('a program that does not exist throws ENOENT into the coroutine', async () => {
    const err = await hosted(function* () {
      try {
        yield* createSubprocessExec('/nonexistent/aioloop-no-such-program');
        return null;
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
    });
    expect(err?.code).toBe('ENOENT');
  });

  it('stdio that is not a pipe has no stream; DEVNULL discards', async () => {
    const got = await hosted(function* () {
      const proc: Process = yield* createSubprocessExec(NODE, '-e', "console.log('dropped')", { stdout: DEVNULL });
      const [out, err] = yield* proc.communicate();
      return [proc.stdin, proc.stdout, proc.stderr, out, err, proc.returncode];
    });
    expect(got).toEqual([null, null, null, null, null, 0]);
  });

  it('a child that exits without reading its stdin: communicate(input) still returns', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', "process.stdout.write('bye')", { stdin: PIPE, stdout: PIPE });
      const [out] = yield* proc.communicate(Buffer.alloc(4 << 20, 1));
      return [out!.toString(), proc.returncode];
    });
    expect(got).toEqual(['bye', 0]);
  });

  it('in a blocking run, waiting on a child says it would wait forever and names hosted mode', () => {
    const loop = makeLoop(backend);
    let error: unknown = null;
    try {
      loop.runUntilComplete(createSubprocessExec(NODE, '-e', '', { stdout: DEVNULL }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EventLoopError);
    expect((error as Error).message).toMatch(/would wait forever/);
    expect((error as Error).message).toMatch(/hosted mode \(runAsync/);
  });

  it('rejects bad arguments with errors naming them, before anything starts', () => {
    expect(() => createSubprocessExec(42 as never)).toThrow(/createSubprocessExec: program must be a string, got 42/);
    expect(() => createSubprocessExec('')).toThrow(/program must be a non-empty string/);
    expect(() => createSubprocessExec('ls', 5 as never)).toThrow(/createSubprocessExec: args\[0\] must be a string, got 5/);
    expect(() => createSubprocessExec('ls', { stdout: 'pipes' as never })).toThrow(
      /stdout must be PIPE, DEVNULL, 'inherit', null or a file descriptor, got "pipes"/,
    );
    expect(() => createSubprocessExec('ls', { stdout: STDOUT })).toThrow(/stdout must be PIPE, DEVNULL, 'inherit'/);
    expect(() => createSubprocessShell(null as never)).toThrow(/createSubprocessShell: cmd must be a string/);
    expect(() => createSubprocessShell('true', { limit: 0 })).toThrow(/limit must be >= 1/);
    expect(() => createSubprocessShell('true', { cwd: 1 as never })).toThrow(/cwd must be a string/);
  });

  it('rejects bad input to communicate and sendSignal', async () => {
    const got = await hosted(function* () {
      const proc = yield* createSubprocessExec(NODE, '-e', '', { stdout: DEVNULL });
      const errors: string[] = [];
      for (const f of [
        () => proc.communicate(42 as never),
        () => proc.communicate('x'),
        () => proc.sendSignal('SIGNOPE' as never),
      ]) {
        try {
          f();
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      yield* proc.wait();
      return errors;
    });
    expect(got[0]).toMatch(/communicate: input must be a string, a Uint8Array or null, got 42/);
    expect(got[1]).toMatch(/stdin is not a pipe/);
    expect(got[2]).toMatch(/sendSignal: sig must be a signal name/);
  });
});
