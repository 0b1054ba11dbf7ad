/**
 * The one place that loads the addon (through node-gyp-build: a prebuild from
 * `prebuilds/` if one matches, else `build/Release`), and the backend choice.
 *
 * Choice, in order: the `backend` option of the Loop; else AIOLOOP_BACKEND;
 * else `native`, falling back to `js` with one process warning naming the load
 * error. Asking for `native` (by option or environment) when it cannot load
 * throws that error instead.
 */
import * as path from 'node:path';
import type { BackendName, ClockName, LoopCore } from './core';
import { JsCore } from './js_core';
import { NativeCore, type NativeBinding } from './native_core';

const PACKAGE_ROOT = path.join(__dirname, '..', '..');

let binding: NativeBinding | null = null;
let loadError: Error | null = null;
let attempted = false;
let warned = false;

/** The addon, or null when it cannot load (see {@link nativeLoadError}). */
export function loadNative(): NativeBinding | null {
  if (attempted) return binding;
  attempted = true;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => unknown;
    const b = load(PACKAGE_ROOT) as NativeBinding;
    if (typeof b?.Core !== 'function' || b.layoutVersion !== 1) {
      throw new Error('the aioloop addon found does not match this version of the package (rebuild it)');
    }
    binding = b;
  } catch (err) {
    loadError = err instanceof Error ? err : new Error(String(err));
  }
  return binding;
}

/** Why the addon did not load, or null. */
export function nativeLoadError(): Error | null {
  loadNative();
  return loadError;
}

function checkBackend(value: unknown, source: string): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'native' || value === 'js') return value;
  throw new TypeError(`${source} must be 'native' or 'js', got ${JSON.stringify(value)}`);
}

/** Picks the backend for a new loop (see the file comment for the order). */
export function resolveBackend(requested: unknown): BackendName {
  const fromOption = checkBackend(requested, 'backend');
  const fromEnv = fromOption === undefined ? checkBackend(process.env.AIOLOOP_BACKEND, 'AIOLOOP_BACKEND') : undefined;
  const want = fromOption ?? fromEnv;
  if (want === 'js') return 'js';
  if (loadNative() !== null) return 'native';
  if (want === 'native') {
    const err = new Error(`aioloop: the native backend cannot be loaded: ${loadError!.message}`);
    (err as Error & { cause?: unknown }).cause = loadError;
    throw err;
  }
  if (!warned) {
    warned = true;
    process.emitWarning(
      `aioloop: the native core could not be loaded (${loadError!.message}); using the js backend`,
      { code: 'AIOLOOP_NATIVE_UNAVAILABLE' },
    );
  }
  return 'js';
}

/** Makes the core of a new loop. */
export function createCore(backend: BackendName, clock: ClockName): LoopCore {
  return backend === 'native' ? new NativeCore(binding!, clock) : new JsCore(clock);
}
