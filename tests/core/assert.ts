/** Minimal assertions (Deno's std/assert lives on JSR, which is not reachable here). */

function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
}

export function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  const a = canon(actual);
  const e = canon(expected);
  if (a !== e) {
    throw new Error(
      `${msg ? msg + ": " : ""}values differ\n  actual:   ${a.slice(0, 2000)}\n  expected: ${
        e.slice(0, 2000)
      }`,
    );
  }
}

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

export function assertThrows(
  fn: () => unknown,
  Err: new (...a: never[]) => Error,
  includes = "",
): Error {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof Err)) throw new Error(`expected ${Err.name}, got ${e}`);
    if (includes && !(e as Error).message.includes(includes)) {
      throw new Error(`error message "${(e as Error).message}" lacks "${includes}"`);
    }
    return e as Error;
  }
  throw new Error(`expected ${Err.name} to be thrown`);
}
