'use strict';
// A shell pipeline built from coroutines: three child processes whose pipes
// are aioloop streams, data pumped from one to the next with flow control
// (drain), then asyncio's communicate() for a one-shot child.
//
//   asyncio                                        aioloop
//   await asyncio.create_subprocess_exec(          yield* createSubprocessExec(
//       'sort', stdin=PIPE, stdout=PIPE)               'sort', { stdin: PIPE, stdout: PIPE })
//   await asyncio.create_subprocess_shell(cmd)     yield* createSubprocessShell(cmd, { ... })
//   out, err = await proc.communicate(data)        const [out, err] = yield* proc.communicate(data)
//   await proc.wait()                              yield* proc.wait()
//
// Run it with:  npm run build:ts && node examples/09_subprocess_pipeline.js
const { runAsync, createSubprocessExec, createSubprocessShell, gather, timeout, PIPE } = require('aioloop');

/** Copies `from` (a StreamReader) into `to` (a StreamWriter) until EOF, then closes `to`. */
function* pump(from, to) {
  for (;;) {
    const chunk = yield* from.read(64 * 1024);
    if (chunk.length === 0) break;
    to.write(chunk);
    yield* to.drain(); // waits while the next process is behind
  }
  to.close();
}

function* main() {
  // printf ... | sort | tr a-z A-Z
  const produce = yield* createSubprocessShell("printf 'cherry\\napple\\nbanana\\n'", { stdout: PIPE });
  const sort = yield* createSubprocessExec('sort', { stdin: PIPE, stdout: PIPE });
  const upper = yield* createSubprocessExec('tr', 'a-z', 'A-Z', { stdin: PIPE, stdout: PIPE });
  const [, , result] = yield* gather(
    pump(produce.stdout, sort.stdin),
    pump(sort.stdout, upper.stdin),
    upper.stdout.read(), // to EOF
  );
  console.log("printf 'cherry\\napple\\nbanana\\n' | sort | tr a-z A-Z");
  process.stdout.write(result.toString());
  const codes = yield* gather(produce.wait(), sort.wait(), upper.wait());
  console.log(`exit statuses: ${codes.join(' ')}`);

  // One-shot: write all of stdin, read all of stdout and stderr, wait.
  const node = yield* createSubprocessExec(
    process.execPath,
    '-e',
    "let n = 0; process.stdin.on('data', (d) => (n += d.length)).on('end', () => { console.log(n + ' bytes in'); console.error('done'); process.exit(3); })",
    { stdin: PIPE, stdout: PIPE, stderr: PIPE },
  );
  const [out, err] = yield* node.communicate(Buffer.alloc(1 << 20));
  console.log(`communicate(1 MiB) -> stdout ${JSON.stringify(out.toString())}, stderr ${JSON.stringify(err.toString())}, returncode ${node.returncode}`);
}

runAsync(function* () {
  yield* timeout(20, main); // bounded: a hang would be a TimeoutError
}).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
