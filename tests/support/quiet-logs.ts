/**
 * Code under test in the test process itself (services, the handler wrapper) logs as it
 * does in Lambda: JSON lines and EMF metrics on stdout. `npm test` should print results,
 * so those lines are kept off the terminal. A test that reads them captures them with
 * `captureOutput` (support/runtime.ts), which replaces `write` for its duration; functions
 * run by a local runtime log into the runtime (`runtime.logs`), not here.
 */
const powertoolsLine = /^\{"(level|_aws)":/;

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && powertoolsLine.test(chunk)) {
      const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
