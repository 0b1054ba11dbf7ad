/**
 * Loaded into every test worker when AIOLOOP_TEST_NODE is set (see
 * vitest.config.ts): the worker must really be that Node, or the run would
 * claim a version it never tested. When AIOLOOP_TEST_NODE is a wrapper (an
 * arm64 Node started by qemu), AIOLOOP_TEST_NODE_IS names what the worker
 * must report instead: `<process.version> <process.arch>`.
 */
import * as fs from 'node:fs';

const want = process.env.AIOLOOP_TEST_NODE;
const is = process.env.AIOLOOP_TEST_NODE_IS;
const actual = `${process.version} ${process.arch}`;
if (is ? actual !== is : want && fs.realpathSync(process.execPath) !== fs.realpathSync(want)) {
  throw new Error(`this test worker runs ${process.execPath} (${actual}), not AIOLOOP_TEST_NODE=${want} ${is ?? ''}`);
}
