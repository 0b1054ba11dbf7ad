/**
 * Shared by the suites: the two backends every loop-level suite runs on, and
 * small helpers to make and drive loops.
 */
import { afterEach, expect } from 'vitest';
import { Handle, Loop, TimerHandle, setEventLoop, type LoopOptions } from '../lib/index';

/** Every loop-level suite runs `describe.each(BACKENDS)`. */
export const BACKENDS = ['native', 'js'] as const;
export type Backend = (typeof BACKENDS)[number];

const opened: Loop[] = [];

/** A new loop on `backend`, closed automatically after the test. */
export function makeLoop(backend: Backend, options: Omit<LoopOptions, 'backend'> = {}): Loop {
  const loop = new Loop({ ...options, backend });
  if (loop.backend !== backend) throw new Error(`asked for ${backend}, got ${loop.backend}`);
  opened.push(loop);
  return loop;
}

afterEach(() => {
  for (const loop of opened.splice(0)) {
    if (loop.isRunning()) loop.stop();
    else loop.close();
  }
  setEventLoop(null);
});

/** Collects exception-handler contexts instead of printing them. */
export function captureErrors(loop: Loop): Array<Record<string, unknown>> {
  const seen: Array<Record<string, unknown>> = [];
  loop.setExceptionHandler((_l, ctx) => {
    seen.push(ctx);
  });
  return seen;
}

/**
 * The handle an exception or debug report names is the handle `callSoon` /
 * `callLater` returned: the same object on the js core; on the native core,
 * which keeps no object per callback, an equivalent one (same class, same
 * callback name, same `when()`).
 */
export function expectReportedHandle(reported: unknown, returned: Handle, backend: Backend): void {
  if (backend === 'js') {
    expect(reported).toBe(returned);
    return;
  }
  expect(reported).toBeInstanceOf(returned.constructor);
  const r = reported as Handle;
  expect(r.cancelled()).toBe(false);
  if (returned instanceof TimerHandle) expect((r as TimerHandle).when()).toBe(returned.when());
  expect(String(r)).toMatch(/^<(Timer)?Handle /);
}
