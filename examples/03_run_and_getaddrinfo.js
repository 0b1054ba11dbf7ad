'use strict';
// The seed's third example ("Simple asyncio.run") as an aioloop program.
//
//   run(main)                                 blocking, like asyncio.run: the
//                                             loop owns the thread until main ends
//   runAsync(getaddrinfo('localhost', 443))   hosted on Node's event loop: Node's
//                                             resolver answers through that loop
//
// Run it with:  npm run build:ts && node examples/03_run_and_getaddrinfo.js
const { run, runAsync, getRunningLoop, sleep } = require('aioloop');

// async def getaddrinfo(host, port):
//     loop = asyncio.get_event_loop()
//     return await loop.getaddrinfo(host, port)
function* getaddrinfo(host, port) {
  const loop = getRunningLoop();
  return yield* loop.getaddrinfo(host, port);
}

function* main() {
  yield* sleep(0.01);
  return `hello from main on the ${getRunningLoop().backend} backend`;
}

async function demo() {
  // 1. Blocking: nothing but the loop runs until main returns.
  console.log(`run(main) -> ${run(main)}`);

  // 2. Hosted: the loop yields to Node between slices, so the resolver's
  //    answer (a Node promise underneath) can arrive.
  const infos = await runAsync(getaddrinfo('localhost', 443));
  console.log("runAsync(getaddrinfo('localhost', 443)) ->");
  for (const info of infos) console.log(`  ${JSON.stringify(info)}`);

  // 3. The seed ran getaddrinfo with a blocking run. Here that cannot work:
  //    the loop would hold the thread while the answer waits for Node's
  //    event loop. aioloop notices and says so instead of hanging.
  try {
    run(getaddrinfo('localhost', 443));
  } catch (err) {
    const lines = err.message.split('\n');
    console.log(`run(getaddrinfo('localhost', 443)) -> ${err.name}:`);
    console.log(`  ${lines[0]}`);
    console.log(`  ${lines[lines.length - 1]}`);
  }
}

demo().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
