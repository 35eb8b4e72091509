import { realpathSync } from 'node:fs';
import { DEDICATED_NODE, dedicatedNodeCommands } from './privileges';

/**
 * The one error class of the library. Match on `err.code`, not on
 * `instanceof`: a test runner or a second copy of the package may load this
 * module in another realm.
 */
export const ErrorCode = {
  /** libpcap (or Npcap) could not be loaded; the message says what to install. */
  ELIBPCAP: 'ELIBPCAP',
  /** No privilege to capture; the message says how to get it. */
  EPERM: 'EPERM',
  /** No such device, or no device at all. */
  ENODEV: 'ENODEV',
  /** A bad option or argument; the message names it. */
  EINVAL: 'EINVAL',
  /** A filter expression longer than the `limit` option allows. */
  ENOMEM: 'ENOMEM',
  /** A filter expression that libpcap cannot compile. */
  EFILTER: 'EFILTER',
  /** `read()` timed out with no packet. */
  EAGAIN: 'EAGAIN',
  /** The socket is closed. */
  ECLOSED: 'ECLOSED',
  /** Any other libpcap failure, with libpcap's own text. */
  EPCAP: 'EPCAP',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Every error this library throws or rejects with. Its message says what
 * went wrong and names the argument or device; `code` says which kind.
 */
export class PcapError extends Error {
  /** One of {@link ErrorCode}'s values: the kind of failure, to match on. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'PcapError';
    this.code = code;
  }
}

const PERMISSION_HINT =
  process.platform === 'win32'
    ? 'Npcap may be installed to restrict capture to Administrators: run as Administrator or reinstall Npcap without that option.'
    : process.platform === 'darwin'
      ? 'Capture needs read access to /dev/bpf*: run with sudo, or install Wireshark\'s "ChmodBPF" helper.'
      : 'Capture needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode): run as root, or give them to a copy of ' +
        "node that only the pcap group may run, as Wireshark does with dumpcap (not to the system's node, which would " +
        'let every script of every user capture and inject): `' +
        dedicatedNodeCommands(nodeExecutable()).join(' && ') +
        '`, log in again, and run your script with ' +
        DEDICATED_NODE +
        '.';

function nodeExecutable(): string {
  try {
    return realpathSync(process.execPath);
  } catch {
    return process.execPath;
  }
}

/**
 * Turns whatever crossed the native or thread boundary (an Error with a
 * `code`, or a plain `{ code, message }`) into a PcapError.
 */
export function toPcapError(value: unknown): PcapError {
  if (value instanceof PcapError) return value;
  const v = (value ?? {}) as { code?: unknown; message?: unknown };
  const message = typeof v.message === 'string' ? v.message : String(value);
  const code = typeof v.code === 'string' && CODES.has(v.code) ? (v.code as ErrorCode) : ErrorCode.EPCAP;
  if (code === ErrorCode.EPERM && !message.includes('setcap') && !message.includes('Administrator')) {
    return new PcapError(code, `${message}. ${PERMISSION_HINT}`);
  }
  return new PcapError(code, message);
}

/** The plain form an error takes when it is posted between threads. */
export interface WireError {
  code: string;
  message: string;
}

export function toWireError(value: unknown): WireError {
  const e = toPcapError(value);
  return { code: e.code, message: e.message };
}

export function invalid(message: string): PcapError {
  return new PcapError(ErrorCode.EINVAL, message);
}

/**
 * libpcap's text often leaves out what it is about ("No such device exists",
 * "can't parse filter expression: syntax error"): the error again, with the
 * device, the filter expression or the savefile named. Other errors pass through.
 */
export function withSubject(value: unknown, subject: { device?: string; filter?: string; file?: string }): unknown {
  const v = value as { code?: unknown; message?: unknown } | null;
  if (!v || typeof v.message !== 'string') return value;
  // A savefile that is not one ("unknown file format", "truncated dump file"): which file.
  if (v.code === ErrorCode.EPCAP && subject.file !== undefined && !v.message.includes(subject.file)) {
    return new PcapError(ErrorCode.EPCAP, `${JSON.stringify(subject.file)}: ${v.message}`);
  }
  if (v.code === ErrorCode.ENODEV && subject.device !== undefined && !v.message.includes(subject.device)) {
    return new PcapError(ErrorCode.ENODEV, `${JSON.stringify(subject.device)}: ${v.message}`);
  }
  if (v.code === ErrorCode.EFILTER && subject.filter !== undefined) {
    return new PcapError(ErrorCode.EFILTER, `filter ${JSON.stringify(subject.filter)}: ${v.message}`);
  }
  return value;
}
