/**
 * aioloop: an asyncio-style event loop for Node.js.
 *
 * @packageDocumentation
 */
export { Loop, newEventLoop, getRunningLoop, getEventLoop, setEventLoop } from './loop';
export type { LoopOptions, ExceptionHandler, TaskFactory } from './loop';
export { Future, isFuture } from './futures';
export type { DoneCallback, FutureOptions } from './futures';
export { Task, createTask, ensureFuture, currentTask, allTasks } from './tasks';
export { abortable } from './abortable';
export type { ContextOption } from './context';
export { sleep } from './sleep';
export type { TaskOptions, Awaitable } from './tasks';
export { Handle, TimerHandle } from './events';
export type { ExceptionContext, MinimalLoop } from './events';
export { run, runAsync } from './runners';
export type { Main } from './runners';
export type { Coroutine } from './coroutines';
export type { AddrInfo, GetaddrinfoOptions } from './getaddrinfo';
export type { BackendName, ClockName } from './backend/core';
export {
  CancelledError,
  InvalidStateError,
  TimeoutError,
  EventLoopError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  BrokenBarrierError,
  IncompleteReadError,
  LimitOverrunError,
} from './exceptions';
export { eagerTaskFactory } from './tasks';
export { gather, wait, waitFor, shield, asCompleted } from './composition';
export type { AwaitedOf, GatherOptions, WaitOptions, ReturnWhen, AsCompletedOptions } from './composition';
export { Timeout, timeout, timeoutAt } from './timeouts';
export { TaskGroup, taskGroup } from './taskgroups';
export { Queue, LifoQueue, PriorityQueue, defaultCompare } from './queues';
export type { CompareFn } from './queues';
export { Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier } from './locks';
export { explore, ExploreError } from './explore';
export type { ExploreOptions, ExploreResult, ExploreRun } from './explore';
export type { JitterOptions } from './jitter';
export type { LoopStats } from './stats';
export {
  StreamReader,
  StreamWriter,
  Server,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
  DEFAULT_LIMIT,
} from './streams';
export type { StreamOptions, ServerOptions, ClientConnected } from './streams';
export type { Bytes, SignalName, Environment, AddressInfo, SocketTransport } from './node_types';
export { Process, createSubprocessExec, createSubprocessShell, PIPE, DEVNULL, STDOUT } from './subprocess';
export type { SubprocessOptions, StdioSpec } from './subprocess';
