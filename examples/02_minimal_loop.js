'use strict';
// The seed's second example: a minimal event loop written by the user (a
// deque of callbacks, callSoon, runOnce, runUntilComplete, stop, close)
// driving aioloop's own Task. Prints "Foo" then "Bar".
//
//   node examples/02_minimal_loop.js
const { Task, ensureFuture } = require('aioloop');

function doneCallback(fut) {
  fut.getLoop().stop();
}

/** Simple event loop prototype. */
class MinimalLoop {
  constructor() {
    this._ready = [];
    this._stopping = false;
  }

  createTask(coro) {
    return new Task(coro, { loop: this });
  }

  runUntilComplete(aw) {
    const fut = ensureFuture(aw, { loop: this });
    fut.addDoneCallback(doneCallback);
    this.runForever();
    fut.removeDoneCallback(doneCallback);
    return fut.result();
  }

  runForever() {
    try {
      for (;;) {
        this.runOnce();
        if (this._stopping) break;
      }
    } finally {
      this._stopping = false;
    }
  }

  callSoon(callback, ...args) {
    this._ready.push([callback, args]);
  }

  callExceptionHandler(context) {
    console.error(context.message, context.exception);
  }

  runOnce() {
    // Exactly the callbacks ready now; what they schedule waits a turn.
    const ntodo = this._ready.length;
    for (const [callback, args] of this._ready.splice(0, ntodo)) callback(...args);
  }

  stop() {
    this._stopping = true;
  }

  close() {
    this._ready.length = 0;
  }

  getDebug() {
    return false;
  }
}

function* foo() {
  console.log('Foo');
}

function* bar() {
  console.log('Bar');
}

function* waitAll(tasks) {
  for (const t of tasks) yield* t;
}

const loop = new MinimalLoop();
const tasks = [loop.createTask(foo()), loop.createTask(bar())];
loop.runUntilComplete(waitAll(tasks));
loop.close();
