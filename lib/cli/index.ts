/**
 * The `ewpcap` command: tcpdump's everyday jobs on this library. One file per
 * command; this one wires them to the argument parser (commander) and turns
 * every failure into one line on stderr and an exit code (0 done, 1 a
 * runtime failure, 2 a usage error).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerCapture } from './capture';
import { registerCompile } from './compile';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, describeFailure } from './failure';
import { registerList } from './list';
import { registerRead } from './read';
import { registerSend } from './send';

export function program(): Command {
  const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const root = new Command('ewpcap')
    .description('Capture, read, write and inject packets with libpcap (ewpcap for Node.js).')
    .version(version, '-V, --version')
    .helpCommand(true)
    .showSuggestionAfterError(true)
    .configureOutput({
      // Commander's own usage errors, in one line with where to look.
      outputError: (text, write) =>
        write(
          `ewpcap: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')} (see 'ewpcap --help')\n`,
        ),
    })
    .exitOverride();
  registerList(root);
  registerCapture(root);
  registerRead(root);
  registerSend(root);
  registerCompile(root);
  root.addHelpText(
    'after',
    `
Examples:
  ewpcap read                         the sample capture that comes with the package
  ewpcap capture -i eth0 -c 10        ten packets, one line each
  ewpcap capture -w out.pcap          save to a file (Ctrl-C stops)
  ewpcap compile 'tcp port 80'        the BPF program, as tcpdump -d

Exit status: 0 done, 1 a runtime failure, 2 a usage error.`,
  );
  return root;
}

/** Runs the command line and exits the process with the command's code. */
export function main(argv: readonly string[] = process.argv): void {
  const root = program();
  // The reader of our output went away (`| head`): done, as tcpdump and grep end.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? EXIT_OK : EXIT_FAILURE));
  if (argv.length <= 2) {
    root.outputHelp({ error: true });
    process.exit(EXIT_USAGE);
  }
  root
    .parseAsync(argv)
    .then(() => process.exit(process.exitCode ?? EXIT_OK))
    .catch((error: unknown) => {
      if (error instanceof CommanderError) {
        // Help and version end with code 0 and have printed; usage errors have printed their line.
        process.exit(error.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
      }
      const { line } = describeFailure(error, { command: '' });
      process.stderr.write(`${line}\n`);
      process.exit(EXIT_FAILURE);
    });
}
