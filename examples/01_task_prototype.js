'use strict';
// The seed's first example: a hand-written Task prototype that steps a
// generator and wakes on futures, next to aioloop's own Task. `foo` sleeps 3
// seconds and `bar` 1 second, on the virtual clock (no real waiting), so
// "Hello Bar" prints before "Hello Foo".
//
//   node examples/01_task_prototype.js
const { Future, Loop, sleep, wait } = require('aioloop');

/** Simple prototype of Task: the seed's `Task(Future)`. */
class SimpleTask extends Future {
  constructor(gen, { loop }) {
    super({ loop });
    this._gen = gen;
    this._loop.callSoon(() => this._step());
  }

  _step(value, error) {
    let r;
    try {
      r = error !== undefined ? this._gen.throw(error) : this._gen.next(value);
    } catch (e) {
      this.setException(e);
      return;
    }
    if (r.done) {
      this.setResult(r.value);
    } else if (r.value === undefined) {
      this._loop.callSoon(() => this._step()); // a bare yield: one turn
    } else {
      r.value.addDoneCallback((fut) => this._wakeup(fut));
    }
  }

  _wakeup(fut) {
    let value;
    try {
      value = fut.result();
    } catch (e) {
      this._step(undefined, e);
      return;
    }
    this._step(value);
  }
}

function* foo() {
  yield* sleep(3);
  console.log('Hello Foo');
}

function* bar() {
  yield* sleep(1);
  console.log('Hello Bar');
}

const backend = process.argv[2];
const loop = new Loop({ clock: 'virtual', ...(backend ? { backend } : {}) });
const tasks = [new SimpleTask(foo(), { loop }), loop.createTask(bar())];
loop.runUntilComplete(wait(tasks)); // asyncio.wait(tasks)
loop.close();
