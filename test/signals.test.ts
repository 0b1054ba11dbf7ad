/**
 * loop.addSignalHandler / removeSignalHandler in hosted mode. The process
 * sends itself SIGUSR2 (harmless, and only with a handler installed); every
 * test checks that no listener is left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoopError, getRunningLoop, sleep, type Coroutine } from '../lib/index';
import { BACKENDS, captureErrors, makeLoop } from './helpers';

const SIG = 'SIGUSR2';
const baseline = process.listenerCount(SIG);

afterEach(() => {
  expect(process.listenerCount(SIG)).toBe(baseline);
});

/** Waits until `cond()` holds (bounded), one short sleep at a time. */
function* until(cond: () => boolean, seconds = 2): Coroutine<boolean> {
  const loop = getRunningLoop();
  const end = loop.time() + seconds;
  while (!cond() && loop.time() < end) yield* sleep(0.005);
  return cond();
}

describe.each(BACKENDS)('signals (%s)', (backend) => {
  it('a handler runs through the loop with its arguments, as the running loop', async () => {
    const loop = makeLoop(backend);
    const seen: unknown[] = [];
    const ok = await loop.runUntilCompleteAsync(
      (function* () {
        loop.addSignalHandler(SIG, (a: string, b: number) => seen.push([a, b, getRunningLoop() === loop]), 'x', 1);
        process.kill(process.pid, SIG);
        const first = yield* until(() => seen.length === 1);
        process.kill(process.pid, SIG);
        const second = yield* until(() => seen.length === 2);
        return first && second && loop.removeSignalHandler(SIG);
      })(),
    );
    expect(ok).toBe(true);
    expect(seen).toEqual([
      ['x', 1, true],
      ['x', 1, true],
    ]);
  });

  it('adding a handler again replaces the first; removeSignalHandler says whether there was one', async () => {
    const loop = makeLoop(backend);
    const seen: string[] = [];
    await loop.runUntilCompleteAsync(
      (function* () {
        loop.addSignalHandler(SIG, () => seen.push('first'));
        loop.addSignalHandler(SIG, () => seen.push('second'));
        expect(process.listenerCount(SIG)).toBe(baseline + 1);
        process.kill(process.pid, SIG);
        yield* until(() => seen.length > 0);
        yield* sleep(0.02);
        expect(loop.removeSignalHandler(SIG)).toBe(true);
        expect(loop.removeSignalHandler(SIG)).toBe(false);
      })(),
    );
    expect(seen).toEqual(['second']);
  });

  it('takes a signal number as well as a name', async () => {
    const loop = makeLoop(backend);
    const os = await import('node:os');
    let hits = 0;
    await loop.runUntilCompleteAsync(
      (function* () {
        loop.addSignalHandler(os.constants.signals.SIGUSR2, () => hits++);
        process.kill(process.pid, SIG);
        yield* until(() => hits === 1);
        expect(loop.removeSignalHandler(SIG)).toBe(true);
      })(),
    );
    expect(hits).toBe(1);
  });

  it('a handler that throws goes to the exception handler; the loop goes on', async () => {
    const loop = makeLoop(backend);
    const errors = captureErrors(loop);
    const boom = new Error('in handler');
    const after = await loop.runUntilCompleteAsync(
      (function* () {
        loop.addSignalHandler(SIG, function onSignal() {
          throw boom;
        });
        process.kill(process.pid, SIG);
        yield* until(() => errors.length === 1);
        loop.removeSignalHandler(SIG);
        return 'went on';
      })(),
    );
    expect(after).toBe('went on');
    expect(errors[0].exception).toBe(boom);
    expect(errors[0].message).toBe('Exception in callback onSignal');
  });

  it('close() removes every handler the loop installed', () => {
    const loop = makeLoop(backend);
    loop.addSignalHandler(SIG, () => undefined);
    loop.addSignalHandler('SIGUSR1', () => undefined);
    expect(process.listenerCount(SIG)).toBe(baseline + 1);
    loop.close();
    expect(process.listenerCount(SIG)).toBe(baseline);
    expect(process.listenerCount('SIGUSR1')).toBe(0);
  });

  it('two loops each keep their own handler for the same signal', async () => {
    const a = makeLoop(backend);
    const b = makeLoop(backend);
    const seen: string[] = [];
    a.addSignalHandler(SIG, () => seen.push('a'));
    b.addSignalHandler(SIG, () => seen.push('b'));
    const runB = b.runForeverAsync();
    await a.runUntilCompleteAsync(
      (function* () {
        process.kill(process.pid, SIG);
        yield* until(() => seen.length === 2);
      })(),
    );
    b.stop();
    await runB;
    expect(seen.sort()).toEqual(['a', 'b']);
    expect(a.removeSignalHandler(SIG)).toBe(true);
    expect(b.removeSignalHandler(SIG)).toBe(true);
  });

  it('rejects bad arguments with errors naming them, and a closed loop', () => {
    const loop = makeLoop(backend);
    expect(() => loop.addSignalHandler('SIGNOPE' as never, () => undefined)).toThrow(RangeError);
    expect(() => loop.addSignalHandler('SIGNOPE' as never, () => undefined)).toThrow(
      /addSignalHandler: sig must be a signal name such as 'SIGUSR1', got "SIGNOPE"/,
    );
    expect(() => loop.addSignalHandler(9999, () => undefined)).toThrow(/sig must be a signal number of this platform, got 9999/);
    expect(() => loop.addSignalHandler({} as never, () => undefined)).toThrow(TypeError);
    expect(() => loop.addSignalHandler(SIG, 42 as never)).toThrow(/addSignalHandler: callback must be a function, got 42/);
    expect(() => loop.addSignalHandler('SIGKILL', () => undefined)).toThrow(/sig SIGKILL cannot be caught/);
    expect(() => loop.addSignalHandler('SIGSTOP', () => undefined)).toThrow(RangeError);
    expect(() => loop.removeSignalHandler('nope' as never)).toThrow(/removeSignalHandler: sig must be/);
    expect(loop.removeSignalHandler(SIG)).toBe(false);
    loop.close();
    expect(() => loop.addSignalHandler(SIG, () => undefined)).toThrow(EventLoopError);
  });
});
