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
