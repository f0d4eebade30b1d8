/**
 * What the functions and the local runtime write, line by line: in AWS a function's
 * stdout and stderr go to its CloudWatch log group; locally they come here, to be kept
 * for the tests that read them or shown in the terminal by `npm start`.
 */
export interface LogLine {
  /** The function that wrote it, or the part of the runtime (`gateway`, `poller workConsumer`, …). */
  source: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export type LogSink = (line: LogLine) => void;

/** `npm start`'s sink: each line to this process's own stdout or stderr, as written. */
export const toTerminal: LogSink = (line) => {
  process[line.stream].write(line.text);
};

/** How a part of the runtime reports on stderr: one line naming it, into `sink` (the terminal if none). */
export function reporter(source: string, sink: LogSink = toTerminal): (message: string) => void {
  return (message) => sink({ source, stream: 'stderr', text: `${source}: ${message}\n` });
}
