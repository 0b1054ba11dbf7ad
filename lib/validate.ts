/**
 * Argument checks for every public entry, and the safe description of a
 * value that their messages show.
 *
 * Each check throws a `TypeError` (wrong type) or `RangeError` (right type,
 * value out of range) whose message reads `<entry>: <argument> must be ...,
 * got <what it got>`, so a user sees which call and which argument at once.
 * The checks are written once here; the hot scheduling paths test the common
 * good case inline (`typeof x === 'number' && x === x`) and call these only
 * to throw.
 */

/** A short, safe description of any value for error messages; never throws. */
export function describe(value: unknown): string {
  try {
    return describeUnsafe(value);
  } catch {
    // A revoked Proxy (Array.isArray throws on one) or a hostile object.
    return typeof value === 'function' ? 'a function' : 'an object';
  }
}

function describeUnsafe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    default: {
      if (Array.isArray(value)) return `an Array(${value.length})`;
      // Boxed primitives say what they are: `new Number(1)` is not `1`.
      if (value instanceof Number) return `a Number object (${Number.prototype.valueOf.call(value)})`;
      if (value instanceof String) return `a String object (${JSON.stringify(String.prototype.valueOf.call(value))})`;
      if (value instanceof Boolean) return `a Boolean object (${Boolean.prototype.valueOf.call(value)})`;
      try {
        const s = (value as { toString(): string }).toString();
        if (typeof s === 'string' && s !== '[object Object]') return s;
      } catch {
        // fall through
      }
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      return ctor && typeof ctor.name === 'string' && ctor.name ? `a ${ctor.name}` : 'an object';
    }
  }
}

/** The name of a callback for messages: `name` or `(anonymous)`. */
export function callbackName(fn: unknown): string {
  return typeof fn === 'function' && fn.name ? fn.name : '(anonymous)';
}

/** The options of a call that was given none (shared, never written). */
const NO_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({});

/** `options`, or an empty object when it is undefined; throws unless it is an object. */
export function checkOptions(options: unknown, what: string): Readonly<Record<string, any>> {
  if (options === undefined) return NO_OPTIONS;
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${what}: options must be an object, got ${describe(options)}`);
  }
  return options as Record<string, any>;
}

/** A number that is not NaN (`Infinity` is allowed: "never"). */
export function checkNumber(value: unknown, name: string, what: string): number {
  if (typeof value !== 'number') throw new TypeError(`${what}: ${name} must be a number, got ${describe(value)}`);
  if (value !== value) throw new RangeError(`${what}: ${name} must not be NaN`);
  return value;
}

/** A number that is not NaN, or null (a deadline or timeout that may be absent). */
export function checkNumberOrNull(value: unknown, name: string, what: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number') throw new TypeError(`${what}: ${name} must be a number or null, got ${describe(value)}`);
  if (value !== value) throw new RangeError(`${what}: ${name} must not be NaN`);
  return value;
}

/** An integer no smaller than `min`. */
export function checkInteger(value: unknown, name: string, what: string, min: number): number {
  if (typeof value !== 'number') throw new TypeError(`${what}: ${name} must be a number, got ${describe(value)}`);
  if (!Number.isInteger(value)) throw new RangeError(`${what}: ${name} must be an integer, got ${value}`);
  if (value < min) throw new RangeError(`${what}: ${name} must be >= ${min}, got ${value}`);
  return value;
}

/** A function (a callback, a body, a handler). */
export function checkFunction(value: unknown, name: string, what: string): void {
  if (typeof value !== 'function') throw new TypeError(`${what}: ${name} must be a function, got ${describe(value)}`);
}

/** A function or null (a handler or factory that `null` resets). */
export function checkFunctionOrNull(value: unknown, name: string, what: string): void {
  if (value !== null && typeof value !== 'function') {
    throw new TypeError(`${what}: ${name} must be a function or null, got ${describe(value)}`);
  }
}

/** A string, or undefined when `optional`. */
export function checkString(value: unknown, name: string, what: string, optional = false): void {
  if (typeof value === 'string' || (optional && value === undefined)) return;
  throw new TypeError(`${what}: ${name} must be a string, got ${describe(value)}`);
}

/** A boolean, or undefined when `optional`. */
export function checkBoolean(value: unknown, name: string, what: string, optional = false): void {
  if (typeof value === 'boolean' || (optional && value === undefined)) return;
  throw new TypeError(`${what}: ${name} must be a boolean, got ${describe(value)}`);
}
