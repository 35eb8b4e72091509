/**
 * What the command prints when it fails: one line on stderr that says what
 * went wrong and how to fix it, and the exit code (1 a runtime failure, 2 a
 * usage error: the command line itself is wrong).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dedicatedNodeCommands } from '../privileges';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command line the command cannot run: printed as is, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
}

export interface FailureContext {
  command: string;
  device?: string;
  filter?: string;
}

export interface Failure {
  line: string;
  exitCode: number;
}

const USAGE_CODES = new Set(['EINVAL', 'EFILTER', 'ENOMEM']);

export function describeFailure(error: unknown, context: FailureContext): Failure {
  const e = (error ?? {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? oneLine(e.message) : String(error);
  if (error instanceof UsageError) return { line: `ewpcap ${context.command}: ${message}`, exitCode: EXIT_USAGE };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const exitCode = code !== undefined && USAGE_CODES.has(code) ? EXIT_USAGE : EXIT_FAILURE;
  const on = context.device ? ` on ${context.device}` : '';
  let line: string;
  switch (code) {
    case 'EPERM':
      line =
        `no permission to ${context.command === 'send' ? 'send' : 'capture'}${on} (EPERM). Fix, once, as Wireshark does with dumpcap ` +
        `(a copy of node that only the pcap group may run, with the capture capabilities; ` +
        `log in again after): ${dedicatedNodeCommands(realpathSync(process.execPath)).join(' && ')}; ` +
        `then run: node-pcap "$(command -v ewpcap)" ${context.command} ...`;
      break;
    case 'ELIBPCAP':
      // The loader's own advice names every platform: keep its cause, give this system's command.
      line = `libpcap could not be loaded (${message.replace(/^libpcap could not be loaded:\s*/, '').replace(/\s*(Install the libpcap runtime|macOS ships|Npcap).*$/s, '')}). Fix: ${libpcapInstallCommand()}`;
      break;
    case 'EFILTER': {
      // The library may already name the expression (`filter "x": ...`): said once, here.
      const reason =
        context.filter === undefined ? message : message.replace(`filter ${JSON.stringify(context.filter)}: `, '');
      line =
        context.filter === undefined
          ? `bad filter expression: ${reason}`
          : `bad filter expression '${context.filter}': ${reason}`;
      break;
    }
    case 'ENODEV':
      line = `${message}${context.device && !message.includes(context.device) ? ` (device '${context.device}')` : ''}. Fix: \`ewpcap list\` shows the devices`;
      break;
    case 'ENOENT':
      line = message;
      break;
    default:
      line = code ? `${message} (${code})` : message;
  }
  return { line: `ewpcap ${context.command}: ${line}`, exitCode };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The command that installs libpcap on this system, from /etc/os-release. */
export function libpcapInstallCommand(): string {
  if (process.platform === 'darwin') return 'brew install libpcap, then set EWPCAP_LIBPCAP to its path';
  if (process.platform === 'win32') return 'install Npcap from https://npcap.com';
  let ids: string[] = [];
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(release)?.[1] ?? '';
    ids = `${field('ID')} ${field('ID_LIKE')}`.split(/\s+/);
  } catch {
    // No os-release: name them all.
  }
  if (ids.some((id) => id === 'debian' || id === 'ubuntu')) return 'sudo apt-get install libpcap0.8';
  if (ids.some((id) => ['fedora', 'rhel', 'centos'].includes(id))) return 'sudo dnf install libpcap';
  if (ids.includes('alpine')) return 'sudo apk add libpcap';
  if (ids.includes('arch')) return 'sudo pacman -S libpcap';
  if (ids.some((id) => id.startsWith('opensuse') || id === 'suse')) return 'sudo zypper install libpcap1';
  return "install your distribution's libpcap runtime package (libpcap0.8, libpcap or libpcap1)";
}
