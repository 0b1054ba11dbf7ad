/**
 * The hosted-mode I/O examples (08: echo server and client, 09: a subprocess
 * pipeline) run as documented (`node examples/x.js` against the built
 * package) on both backends, and print what they promise.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, runNode } from './child';
import { BACKENDS } from './helpers';

const BOUND_MS = 30_000;

beforeAll(() => ensureDist(), 120_000);

function runExample(file: string, backend: string) {
  return runNode([`examples/${file}`], { env: { AIOLOOP_BACKEND: backend }, boundMs: BOUND_MS });
}

describe.each(BACKENDS)('I/O examples (%s)', (backend) => {
  it('08: an echo server and three clients on 127.0.0.1', async () => {
    const r = await runExample('08_echo_server.js', backend);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'serving on 127.0.0.1 (port chosen by the system)\n' +
        'client: sent "Hello World!", got back "Hello World!"\n' +
        'client: sent "Bonjour", got back "Bonjour"\n' +
        'client: sent "Hallo", got back "Hallo"\n' +
        'server: echoed 3 lines, now closed\n',
    );
  }, 40_000);

  it('09: a pipeline of three children, then communicate()', async () => {
    const r = await runExample('09_subprocess_pipeline.js', backend);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "printf 'cherry\\napple\\nbanana\\n' | sort | tr a-z A-Z\n" +
        'APPLE\nBANANA\nCHERRY\n' +
        'exit statuses: 0 0 0\n' +
        'communicate(1 MiB) -> stdout "1048576 bytes in\\n", stderr "done\\n", returncode 3\n',
    );
  }, 40_000);
});
