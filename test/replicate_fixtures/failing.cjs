'use strict';
// A simulation that fails for seed 3 (for test/replicate.test.ts).
const { sleep } = require('aioloop');

exports.simulate = function* simulate(seed) {
  yield* sleep(1);
  if (seed === 3) throw new Error('seed 3 is cursed');
  return seed * 2;
};
