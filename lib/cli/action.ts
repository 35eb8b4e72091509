/** The wrapper of every command's action. */
import { describeFailure, type FailureContext } from './failure';

/**
 * Wraps a command's action: its failures become one line and an exit code,
 * set on process.exitCode for main() to exit with.
 */
export function action<A extends unknown[]>(
  command: string,
  run: (context: FailureContext, ...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const context: FailureContext = { command };
    try {
      process.exitCode = await run(context, ...args);
    } catch (error) {
      const failure = describeFailure(error, context);
      process.stderr.write(`${failure.line}\n`);
      process.exitCode = failure.exitCode;
    }
  };
}
