/**
 * loop.getaddrinfo(host, port): a coroutine over Node's resolver (dns.lookup,
 * every address), giving `{ family, address, port }` entries.
 */
import { describe, expect, it } from 'vitest';
import { EventLoopError, runAsync, getRunningLoop } from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

describe.each(BACKENDS)('getaddrinfo (%s)', (backend) => {
  it('resolves localhost to loopback entries carrying the port', async () => {
    const infos = await runAsync(
      function* () {
        return yield* getRunningLoop().getaddrinfo('localhost', 443);
      },
      { backend },
    );
    expect(infos.length).toBeGreaterThan(0);
    for (const info of infos) {
      expect(Object.keys(info).sort()).toEqual(['address', 'family', 'port']);
      expect(info.port).toBe(443);
      expect([4, 6]).toContain(info.family);
    }
    const loopback = infos.filter((i) => (i.family === 4 ? i.address.startsWith('127.') : i.address === '::1'));
    expect(loopback.length).toBeGreaterThan(0);
  });

  it('a numeric address resolves to itself', async () => {
    const loop = makeLoop(backend);
    const infos = await loop.runUntilCompleteAsync(loop.getaddrinfo('127.0.0.1', 80));
    expect(infos).toEqual([{ family: 4, address: '127.0.0.1', port: 80 }]);
  });

  it('family: 4 gives IPv4 addresses only', async () => {
    const loop = makeLoop(backend);
    const infos = await loop.runUntilCompleteAsync(loop.getaddrinfo('localhost', 0, { family: 4 }));
    expect(infos.length).toBeGreaterThan(0);
    for (const info of infos) expect(info.family).toBe(4);
  });

  it('takes the port as a number, a numeric string, or null (port 0)', async () => {
    const loop = makeLoop(backend);
    const [a] = await loop.runUntilCompleteAsync(loop.getaddrinfo('127.0.0.1', '8080'));
    const [b] = await loop.runUntilCompleteAsync(loop.getaddrinfo('127.0.0.1', null));
    const [c] = await loop.runUntilCompleteAsync(loop.getaddrinfo('127.0.0.1'));
    expect([a.port, b.port, c.port]).toEqual([8080, 0, 0]);
  });

  it('rejects bad arguments with errors naming them', () => {
    const loop = makeLoop(backend);
    expect(() => loop.getaddrinfo(42 as never, 80)).toThrow(TypeError);
    expect(() => loop.getaddrinfo(42 as never, 80)).toThrow('getaddrinfo: host must be a non-empty string, got 42');
    expect(() => loop.getaddrinfo('', 80)).toThrow(/host must be a non-empty string, got ""/);
    expect(() => loop.getaddrinfo('localhost', 70000)).toThrow(RangeError);
    expect(() => loop.getaddrinfo('localhost', 70000)).toThrow(/port must be an integer in \[0, 65535\], got 70000/);
    expect(() => loop.getaddrinfo('localhost', 1.5)).toThrow(RangeError);
    expect(() => loop.getaddrinfo('localhost', 'https')).toThrow(/port must be .* got "https" \(service names are not looked up\)/);
    expect(() => loop.getaddrinfo('localhost', {} as never)).toThrow(TypeError);
    expect(() => loop.getaddrinfo('localhost', 80, { family: 5 as never })).toThrow(/family must be 0, 4 or 6, got 5/);
    expect(() => loop.getaddrinfo('localhost', 80, 'x' as never)).toThrow(/options must be an object/);
  });

  it('an unknown host throws the resolver error into the coroutine', async () => {
    const loop = makeLoop(backend);
    const caught = await loop.runUntilCompleteAsync(
      (function* () {
        try {
          yield* loop.getaddrinfo('no-such-host.invalid', 80);
          return null;
        } catch (err) {
          return err as NodeJS.ErrnoException;
        }
      })(),
    );
    expect(caught).toBeInstanceOf(Error);
    expect(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']).toContain(caught!.code);
  });

  it('in a blocking run, says it would wait forever and names hosted mode', () => {
    const loop = makeLoop(backend);
    let error: unknown = null;
    try {
      loop.runUntilComplete(loop.getaddrinfo('localhost', 443));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EventLoopError);
    expect((error as Error).message).toMatch(/^Event loop would wait forever/);
    expect((error as Error).message).toMatch(/hosted mode \(runAsync/);
  });
});
