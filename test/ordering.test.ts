import { describe, expect, it } from 'vitest';
import { BACKENDS, makeLoop } from './helpers';

describe.each(BACKENDS)('ordering (%s)', (backend) => {
  it('runs ready callbacks FIFO', () => {
    const loop = makeLoop(backend);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) loop.callSoon(() => seen.push(i));
    loop.callSoon(() => loop.stop());
    loop.runForever();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('runs only what was ready when the iteration began', () => {
    const loop = makeLoop(backend);
    const seen: string[] = [];
    loop.callSoon(() => {
      seen.push('a');
      loop.callSoon(() => seen.push('c'));
    });
    loop.callSoon(() => seen.push('b'));
    loop.runOnce();
    expect(seen).toEqual(['a', 'b']);
    loop.runOnce();
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('runs callSoon(a); callLater(0, b); callSoon(c) as a, c, b', () => {
    const loop = makeLoop(backend);
    const seen: string[] = [];
    loop.callSoon(() => seen.push('a'));
    loop.callLater(0, () => seen.push('b'));
    loop.callSoon(() => seen.push('c'));
    loop.callLater(0.001, () => loop.stop());
    loop.runForever();
    expect(seen).toEqual(['a', 'c', 'b']);
  });
});

describe('native and js agree', () => {
  function program(backend: 'native' | 'js'): string[] {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const trace: string[] = [];
    const log = (name: string) => () => trace.push(`${name}@${loop.time()}`);
    loop.callSoon(log('s1'));
    loop.callLater(0.5, log('t0.5'));
    loop.callLater(0, log('t0'));
    const c = loop.callLater(0.25, log('cancelled'));
    loop.callSoon(() => {
      trace.push('s2');
      loop.callSoon(log('nested-soon'));
      loop.callLater(0.25, log('nested-t0.25'));
      c.cancel();
    });
    loop.callAt(0.25, log('at0.25'));
    loop.callSoon(log('s3'));
    loop.callLater(0.5, log('t0.5b'));
    loop.callLater(1, () => loop.stop());
    loop.runForever();
    return trace;
  }

  it('a 10-callback program gives the same callback order on both backends', () => {
    const native = program('native');
    const js = program('js');
    expect(native).toEqual(js);
    expect(native).toEqual([
      's1@0',
      's2',
      's3@0',
      't0@0',
      'nested-soon@0',
      'at0.25@0.25',
      'nested-t0.25@0.25',
      't0.5@0.5',
      't0.5b@0.5',
    ]);
  });
});
