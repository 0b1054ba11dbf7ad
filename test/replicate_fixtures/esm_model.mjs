// An ES-module simulation (for test/replicate.test.ts): the worker must import it.
import { getRunningLoop, sleep } from 'aioloop';

export function* simulate(seed, params) {
  yield* sleep(seed + params.offset);
  return { seed, time: getRunningLoop().time(), backend: getRunningLoop().backend };
}

export function plain(seed) {
  return `plain ${seed}`;
}
