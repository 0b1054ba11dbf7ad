'use strict';
// Finding a race with seeded timing jitter, replaying it, and fixing it.
//
// Two cash machines draw on one account of 100. Each withdrawal checks the
// balance, asks the bank's ledger (10 ms), then debits: a check-then-act
// across a `sleep`. The second machine starts 19 ms after the first, so on a
// clock that fires every timer exactly on time the first has debited long
// before the second checks, and the test passes. On a real machine timers
// fire late — and if the first machine's ledger answer comes late enough,
// both machines see 100, both pay 60, and the account is overdrawn.
//
// explore() runs the same program once per seed on a virtual clock whose
// timers fire late by a seeded amount in [0, 10 ms): a few hundred seeds find
// the schedule that breaks it, and AIOLOOP_SEED=<seed> replays exactly that
// schedule (same trace, on either backend). A Lock around the withdrawal
// fixes it: the same seeds all pass.
//
// Run it with:  npm run build:ts && node examples/06_race_explore.js
//      replay:  AIOLOOP_SEED=<seed> node examples/06_race_explore.js
const { explore, ExploreError, getRunningLoop, Lock, run, sleep } = require('aioloop');

const LEDGER_SECONDS = 0.01; // the ledger answers in 10 ms
const SECOND_MACHINE_AFTER = 0.019; // the second machine starts 19 ms later
const JITTER = 0.01; // timers fire up to 10 ms late
const RUNS = 1000;

/** The bug: the balance checked before the sleep may be stale after it. */
function* withdraw(account, amount, machine, log) {
  if (account.balance < amount) {
    log(`${machine}: declined, balance ${account.balance} < ${amount}`);
    return false;
  }
  log(`${machine}: balance ${account.balance} covers ${amount}, asking the ledger`);
  yield* sleep(LEDGER_SECONDS);
  account.balance -= amount;
  log(`${machine}: paid ${amount}, balance now ${account.balance}`);
  if (account.balance < 0) throw new Error(`account overdrawn: balance ${account.balance}`);
  return true;
}

/** The day's two withdrawals; `withLock` holds a Lock around each one. */
function twoMachines(withLock) {
  return function* ({ log }) {
    const loop = getRunningLoop();
    const account = { balance: 100 };
    const lock = new Lock();
    const attempt = (machine) =>
      withLock ? lock.hold(() => withdraw(account, 60, machine, log)) : withdraw(account, 60, machine, log);
    const first = loop.createTask(attempt('machine 1'));
    yield* sleep(SECOND_MACHINE_AFTER);
    const second = loop.createTask(attempt('machine 2'));
    yield* first;
    yield* second;
    return account.balance;
  };
}

// 1. No jitter: every timer on time, the bug stays hidden.
const quiet = [];
const balance = run(() => twoMachines(false)({ log: (m) => quiet.push(m) }), { clock: 'virtual' });
console.log(`without jitter: balance ${balance} (${quiet.join('; ')})`);

// 2. explore(): one schedule per seed until one fails.
try {
  const r = explore(twoMachines(false), { runs: RUNS, jitter: JITTER });
  console.log(`explore: ${r.runs} run(s) passed, seeds ${r.firstSeed}..${r.lastSeed}`);
} catch (err) {
  if (!(err instanceof ExploreError)) throw err;
  console.log(`explore: seed ${err.seed} fails after ${err.passed} passing runs: ${err.cause.message}`);
  console.log('trace:');
  for (const line of err.trace) console.log(`  ${line}`);
  console.log(`replay: AIOLOOP_SEED=${err.seed} node examples/06_race_explore.js`);
}

// 3. The fix: a Lock makes check-and-debit one step. The same seeds pass.
const fixed = explore(twoMachines(true), { runs: RUNS, jitter: JITTER });
console.log(`with a Lock: ${fixed.runs} run(s) passed, seeds ${fixed.firstSeed}..${fixed.lastSeed}`);
