// Calls a DSL function as a plain-JavaScript caller would: no types, so the run-time checks are what
// stands between bad arguments and a broken graph.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const untyped = <F>(fn: F) => fn as unknown as (...args: unknown[]) => any;

/** The message `fn` throws, or a failure when it does not throw. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error.message;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error("expected an error, but the call succeeded");
}
