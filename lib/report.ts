/**
 * Writing reports that cannot fail. JavaScript can throw anything — `null`,
 * a revoked Proxy, an Error whose `message` getter throws, an object whose
 * custom inspection throws — and a report about such a value must still
 * reach a person, and must never throw into the loop (a throw there would
 * abort a blocking run's iteration, reject a hosted run, or, from a
 * FinalizationRegistry callback, end the process).
 */
import { inspect } from 'node:util';
import { describe } from './validate';

/** The fullest description of `value` that does not throw: util.inspect, else describe, else its type. */
export function safeInspect(value: unknown): string {
  try {
    return inspect(value);
  } catch {
    // fall through
  }
  try {
    return `${describe(value)} (could not be inspected)`;
  } catch {
    return `a value of type ${typeof value} (could not be inspected)`;
  }
}

/**
 * `console.error(message, ...values)` that never throws: if formatting a
 * value throws (console.error formats everything before it writes), each
 * value is written as the safest description that works.
 */
export function safeConsoleError(message: string, ...values: unknown[]): void {
  try {
    console.error(message, ...values);
    return;
  } catch {
    // fall through: a value could not be formatted
  }
  try {
    let text = message;
    for (const v of values) text += `\n${safeInspect(v)}`;
    console.error(text);
  } catch {
    // stderr itself failed: nothing left to report to.
  }
}
