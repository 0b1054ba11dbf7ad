/**
 * The one place that loads the addon, and the backend choice.
 *
 * Which binary: node-gyp-build looks, in order, for
 *   1. build/Release (then build/Debug): a local build. One exists in an
 *      installed package only when the install script compiled — because no
 *      prebuild matched or loaded, or because the user asked for a build from
 *      source — so when present it is the binary meant for this machine.
 *      PREBUILDS_ONLY=1 skips this step (the consumer test uses it so that a
 *      stale local build cannot hide a missing prebuild).
 *   2. prebuilds/<platform>-<arch>/aioloop[.glibc|.musl].node: the N-API
 *      prebuild shipped in the tarball (one per platform and architecture
 *      serves every Node version). A tarball install where one matches never
 *      compiles, so this is what most users load.
 * The install script (scripts/install.js) makes the same choice in the other
 * direction: it compiles only when no binary loads.
 *
 * Which backend, in order: the `backend` option of the Loop; else
 * AIOLOOP_BACKEND; else `native`, falling back to `js` with one process
 * warning (code AIOLOOP_NATIVE_UNAVAILABLE) naming the load error. Asking for
 * `native` (by option or environment) when it cannot load throws that error
 * instead. The addon is loaded lazily, by the first loop that wants it, so
 * importing aioloop never loads a binary or warns.
 */
import * as path from 'node:path';
import type { AbstractLoop } from '../events';
import type { BackendName, ClockName, LoopCore } from './core';
import { JsCore } from './js_core';
import { LAYOUT_VERSION } from './layout';
import type { NativeBinding } from './binding';
import { NativeCore } from './native_core';

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
    if (typeof b?.Core !== 'function' || b.layoutVersion !== LAYOUT_VERSION) {
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

/** node-gyp-build's and dlopen's messages span lines; a warning reads better on one. */
function oneLine(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, '; ');
}

/** Picks the backend for a new loop (see the file comment for the order). */
export function resolveBackend(requested: unknown): BackendName {
  const fromOption = checkBackend(requested, 'backend');
  const fromEnv = fromOption === undefined ? checkBackend(process.env.AIOLOOP_BACKEND, 'AIOLOOP_BACKEND') : undefined;
  const want = fromOption ?? fromEnv;
  if (want === 'js') return 'js';
  if (loadNative() !== null) return 'native';
  if (want === 'native') {
    const err = new Error(`aioloop: the native backend cannot be loaded: ${oneLine(loadError!.message)}`);
    (err as Error & { cause?: unknown }).cause = loadError;
    throw err;
  }
  if (!warned) {
    warned = true;
    process.emitWarning(
      `aioloop: the native core could not be loaded (${oneLine(loadError!.message)}); ` +
        'using the pure-TypeScript js backend. Set AIOLOOP_BACKEND=js to choose it explicitly, ' +
        'or build the addon with `npm rebuild aioloop` (needs a C++ toolchain).',
      { code: 'AIOLOOP_NATIVE_UNAVAILABLE' },
    );
  }
  return 'js';
}

/** Makes the core of a new loop. */
export function createCore(backend: BackendName, clock: ClockName, loop: AbstractLoop): LoopCore {
  return backend === 'native' ? new NativeCore(binding!, loop, clock) : new JsCore(loop, clock);
}
