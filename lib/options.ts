/**
 * Options of open() and filter(): the one table of defaults, and their
 * validation. Everything is checked here, in TypeScript, so the addon only
 * ever receives well-formed plain values.
 */
import os from 'node:os';
import { invalid, PcapError, ErrorCode } from './errors';
import { native, type NativeOpenOptions } from './native';

/** open()'s packet-buffer timeout: 'immediate', 'infinity' or milliseconds (see {@link OpenOptions.timeout}). */
export type Timeout = 'immediate' | 'infinity' | number;
/**
 * How `packet.time` is given: 'timestamp' as `{ sec, usec }`, 'microsecond'
 * as a number of microseconds since the epoch, 'nanosecond' as a bigint of
 * nanoseconds since the epoch.
 */
export type TimeUnit = 'timestamp' | 'microsecond' | 'nanosecond';
/** Which packets a live capture sees (pcap_setdirection): received, sent, or both. */
export type Direction = 'in' | 'out' | 'inout';
/** The timestamp resolution asked of libpcap (pcap_set_tstamp_precision): microseconds or nanoseconds. */
export type PrecisionOption = 'micro' | 'nano';

/** Options of a filter expression: filter(), compile(), and open()'s `filter`. */
export interface FilterOptions {
  /** Optimise the compiled program (pcap_compile's optimize). Default true. */
  optimize?: boolean;
  /**
   * The IPv4 netmask the filter uses for `ip broadcast`, as a dotted quad or
   * a number in host order. Default: the device's own netmask
   * (pcap_lookupnet), or "unknown" when it has none.
   */
  netmask?: string | number;
  /** Longest accepted expression in bytes; -1 for no limit. Default 8192. */
  limit?: number;
}

/** Options of open(): the capture handle's settings, and its filter's. */
export interface OpenOptions extends FilterOptions {
  /** Promiscuous mode. Default false. */
  promisc?: boolean;
  /** Bytes captured of each packet. Default 65535. */
  snaplen?: number;
  /**
   * Packet-buffer timeout: 'immediate' (default) delivers each packet as it
   * arrives; 'infinity' lets libpcap buffer without a time limit; a number of
   * milliseconds sets libpcap's timeout, and 0 means 'immediate'.
   */
  timeout?: Timeout;
  /**
   * Kernel buffer size in bytes. Default 32 MiB in immediate mode, 8 MiB with
   * a timeout (docs/PERFORMANCE.md: memory per socket); 0 keeps libpcap's
   * own default (2 MiB on Linux).
   */
  buffer?: number;
  /** 802.11 monitor mode. Default false. */
  monitor?: boolean;
  /** A BPF filter expression set before the first packet is read. */
  filter?: string;
  /** How `packet.time` is given. Default 'timestamp' ({ sec, usec }), as ewpcap. */
  timeUnit?: TimeUnit;
  /**
   * Timestamp precision asked of libpcap. Default: 'nano' when timeUnit is
   * 'nanosecond', else 'micro'. socket.precision says what libpcap gave.
   */
  precision?: PrecisionOption;
  /** Timestamp source by libpcap name ('host', 'adapter', ...); see socket.timestampTypes(). */
  timestampType?: string;
  /** Capture only received ('in'), sent ('out') or both ('inout') packets. Default: libpcap's (both). */
  direction?: Direction;
  /**
   * Batches posted by the capture thread and not yet consumed, at most. When
   * the consumer falls behind, the capture thread stops reading and the
   * kernel buffer absorbs (or drops, as stats().drop shows). Default 8.
   */
  maxBatchesInFlight?: number;
}

/** The single table of defaults: open()'s options when not given (see {@link OpenOptions}). */
export const DEFAULTS = {
  /** Not promiscuous. */
  promisc: false,
  /** 65535 bytes of each packet. */
  snaplen: 65535,
  /** Each packet delivered as it arrives. */
  timeout: 'immediate' as Timeout,
  // With a timeout (TPACKET_V3 blocks, packed: 8 MiB holds ~100,000 small
  // packets); immediate mode uses IMMEDIATE_BUFFER unless `buffer` is given.
  /** 8 MiB of kernel buffer with a timeout; immediate mode uses 32 MiB unless `buffer` is given. */
  buffer: 8 << 20,
  /** Not in monitor mode. */
  monitor: false,
  /** No filter: every packet. */
  filter: '',
  /** Filters are optimised. */
  optimize: true,
  /** The device's netmask (pcap_lookupnet), or unknown. */
  netmask: undefined as string | number | undefined,
  /** Filter expressions up to 8192 bytes. */
  limit: 8192,
  /** `{ sec, usec }` times. */
  timeUnit: 'timestamp' as TimeUnit,
  /** 'nano' when timeUnit is 'nanosecond', else 'micro'. */
  precision: undefined as PrecisionOption | undefined,
  /** libpcap's default timestamp source. */
  timestampType: undefined as string | undefined,
  /** libpcap's default: both directions. */
  direction: undefined as Direction | undefined,
  /** 8 batches in flight (2 for a savefile). */
  maxBatchesInFlight: 8,
} as const;

/**
 * The kernel buffer in immediate mode when `buffer` is not given. Linux gives
 * each packet a whole-snaplen ring slot there (64 KiB on devices with
 * offloads): 8 MiB is 128 slots, 640 µs of a 200,000 packets/s burst; 32 MiB
 * is 512. Measured (bench/ab.js, 2M frames at 200,000/s, 3 runs each, loaded
 * machine): 8 MiB dropped 121k-893k, 32 MiB 62k-165k; tcpdump
 * --immediate-mode 1.32-1.59M and 0.59-0.91M. It is kernel memory, pinned,
 * per open socket.
 */
export const IMMEDIATE_BUFFER = 32 << 20;

/**
 * Batch flush bounds of the capture loop (see docs/ARCHITECTURE.md).
 * Measured on a 1,000,000-packet file (bench/offline.js): 8,192-packet
 * batches (~700 KB) cost 2-3x more than 1,024-packet ones in the capture
 * thread, from page faults on each fresh large ArrayBuffer, and make a
 * 'packet' listener hold the event loop for several ms per batch.
 */
export const BATCH = {
  maxPackets: 1024,
  maxBytes: 256 << 10,
  flushMicros: 1000,
} as const;

const OPEN_KEYS = new Set(Object.keys(DEFAULTS));
const OFFLINE_KEYS = new Set(['filter', 'optimize', 'netmask', 'limit', 'timeUnit', 'precision', 'maxBatchesInFlight']);
const FILTER_KEYS = new Set(['optimize', 'netmask', 'limit']);
const DIRECTIONS: Record<Direction, number> = { inout: 0, in: 1, out: 2 };
const TIME_UNITS: readonly TimeUnit[] = ['timestamp', 'microsecond', 'nanosecond'];
/** pcap_compile's PCAP_NETMASK_UNKNOWN. */
export const NETMASK_UNKNOWN = 0xffffffff;

function checkKeys(options: object, allowed: Set<string>, what: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw invalid(`unknown ${what} option "${key}"`);
  }
}

/**
 * The options object, copied: its own enumerable properties, each read once.
 * A getter or Proxy trap that throws gives EINVAL naming the option (the
 * user's error is the message's end), not the user's error passing through
 * from somewhere inside the library; and a getter cannot answer differently
 * between the check and the use.
 */
function checkObject(options: unknown, what: string): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw invalid(`${what} options must be an object`);
  const copy: Record<string, unknown> = {};
  let key = '';
  try {
    for (key of Object.keys(options)) copy[key] = (options as Record<string, unknown>)[key];
  } catch (e) {
    const where = key === '' ? `${what} options` : `option "${key}"`;
    throw invalid(`reading ${where} threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  return copy;
}

/**
 * Named fields of an object, own or inherited (getters of a class), read
 * once: a throwing getter or Proxy trap is EINVAL naming the field.
 */
export function readFields(value: object, keys: readonly string[], what: string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    try {
      copy[key] = (value as Record<string, unknown>)[key];
    } catch (e) {
      throw invalid(`reading ${what} field "${key}" threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return copy;
}

/** A string handed to libpcap as a C string: a NUL byte would silently cut it short. */
function cString(value: string, name: string): string {
  if (value.includes('\0')) throw invalid(`${name} contains a NUL byte: ${describe(value)}`);
  return value;
}

/** A file path: a non-empty string without NUL bytes. */
function checkPath(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalid(`${name} must be a non-empty string, got ${describe(value)}`);
  return cString(value, name);
}

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`option "${name}" must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalid(`option "${name}" must be a boolean, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/**
 * A netmask as pcap_compile wants it: the four address bytes in memory
 * order, read as a host-order 32-bit word (what pcap_lookupnet returns).
 */
export function netmaskToNative(value: string | number, name = 'netmask'): number {
  let bytes: number[];
  if (typeof value === 'number') {
    integer(value, name, 0, 0xffffffff);
    bytes = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
  } else if (typeof value === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(value)) {
    bytes = value.split('.').map(Number);
    if (bytes.some((b) => b > 255)) throw invalid(`option "${name}" is not an IPv4 netmask: ${describe(value)}`);
  } else {
    throw invalid(`option "${name}" must be a dotted IPv4 netmask or a number, got ${describe(value)}`);
  }
  const word = Buffer.from(bytes);
  return os.endianness() === 'LE' ? word.readUInt32LE(0) : word.readUInt32BE(0);
}

export interface ResolvedFilter {
  expression: string;
  optimize: boolean;
  /** Native netmask, or undefined for "the device's own". */
  netmask: number | undefined;
}

/** Validates a filter expression and its options; ENOMEM over the limit, before libpcap is asked. */
export function resolveFilter(expression: unknown, options: unknown): ResolvedFilter {
  const o = checkObject(options, 'filter');
  checkKeys(o, FILTER_KEYS, 'filter');
  if (typeof expression !== 'string')
    throw invalid(`the filter expression must be a string, got ${describe(expression)}`);
  cString(expression, 'the filter expression');
  const optimize = o.optimize === undefined ? DEFAULTS.optimize : boolean(o.optimize, 'optimize');
  const limit = o.limit === undefined ? DEFAULTS.limit : integer(o.limit, 'limit', -1, 0x7fffffff);
  const netmask = o.netmask === undefined ? undefined : netmaskToNative(o.netmask as string | number);
  const size = Buffer.byteLength(expression);
  if (limit !== -1 && size > limit) {
    throw new PcapError(
      ErrorCode.ENOMEM,
      `the filter expression is ${size} bytes, over the limit of ${limit} (pass { limit: -1 } to lift it)`,
    );
  }
  return { expression, optimize, netmask };
}

export interface ResolvedOpen {
  device: string;
  native: NativeOpenOptions;
  filter: ResolvedFilter | undefined;
  timeUnit: TimeUnit;
  maxBatchesInFlight: number;
}

export function resolveOpen(device: unknown, options: unknown): ResolvedOpen {
  if (device !== undefined && device !== null && typeof device !== 'string') {
    throw invalid(`the device must be a string, got ${describe(device)}`);
  }
  if (typeof device === 'string') cString(device, 'the device name');
  const o = checkObject(options, 'open');
  checkKeys(o, OPEN_KEYS, 'open');
  const pick = <K extends keyof typeof DEFAULTS>(k: K): unknown => (o[k] === undefined ? DEFAULTS[k] : o[k]);

  const timeout = pick('timeout');
  let immediate = false;
  let timeoutMs = 0;
  if (timeout === 'immediate' || timeout === 0) immediate = true;
  else if (timeout === 'infinity') timeoutMs = 0;
  else if (typeof timeout === 'number') timeoutMs = integer(timeout, 'timeout', 0, 0x7fffffff);
  else throw invalid(`option "timeout" must be 'immediate', 'infinity' or milliseconds, got ${describe(timeout)}`);

  const { timeUnit, precision } = resolveTime(o);
  const timestampType = pick('timestampType');
  let tstampType = -1;
  if (timestampType !== undefined) {
    if (typeof timestampType !== 'string')
      throw invalid(`option "timestampType" must be a string, got ${describe(timestampType)}`);
    tstampType = native.timestampTypeValue(cString(timestampType, 'option "timestampType"'));
    if (tstampType < 0)
      throw invalid(`option "timestampType": libpcap knows no time stamp type ${describe(timestampType)}`);
  }
  const direction = pick('direction');
  if (direction !== undefined && !(typeof direction === 'string' && direction in DIRECTIONS)) {
    throw invalid(`option "direction" must be 'in', 'out' or 'inout', got ${describe(direction)}`);
  }
  const filter = resolveOpenFilter(o);

  return {
    device: device ?? '',
    native: {
      snaplen: integer(pick('snaplen'), 'snaplen', 1, 0x7fffffff),
      promisc: boolean(pick('promisc'), 'promisc'),
      timeout: timeoutMs,
      immediate,
      buffer: bufferSize(o.buffer === undefined ? (immediate ? IMMEDIATE_BUFFER : DEFAULTS.buffer) : o.buffer),
      monitor: boolean(pick('monitor'), 'monitor'),
      precision,
      direction: direction === undefined ? -1 : DIRECTIONS[direction as Direction],
      tstampType,
    },
    filter,
    timeUnit,
    maxBatchesInFlight: maxBatches(o),
  };
}

/**
 * Largest kernel buffer open() accepts: 256 MiB. Linux allocates and maps
 * the whole ring when the handle is activated: 2^31-1 bytes took ~8 s and
 * 1.2 GB before the first packet, and process.exit() waited for it. 256 MiB
 * is 32 times the default and holds ~2 s of a 1 Gb/s link at full rate.
 */
export const MAX_BUFFER = 256 << 20;

function bufferSize(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > MAX_BUFFER) {
    throw invalid(
      `option "buffer" is ${value} bytes, over the limit of ${MAX_BUFFER} (256 MiB): the kernel maps the whole buffer before the first packet`,
    );
  }
  return integer(value, 'buffer', 0, MAX_BUFFER);
}

/** The filter of open()/openOffline() options; its options are checked even without one, so a typo never hides. */
function resolveOpenFilter(o: Record<string, unknown>): ResolvedFilter | undefined {
  const expression = o.filter ?? DEFAULTS.filter;
  if (typeof expression !== 'string') throw invalid(`option "filter" must be a string, got ${describe(expression)}`);
  const filterOptions: FilterOptions = {};
  if (o.optimize !== undefined) filterOptions.optimize = o.optimize as boolean;
  if (o.netmask !== undefined) filterOptions.netmask = o.netmask as string | number;
  if (o.limit !== undefined) filterOptions.limit = o.limit as number;
  const filter = resolveFilter(expression, filterOptions);
  return expression === '' ? undefined : filter;
}

function resolveTime(o: Record<string, unknown>): { timeUnit: TimeUnit; precision: 0 | 1 } {
  const timeUnit = (o.timeUnit ?? DEFAULTS.timeUnit) as TimeUnit;
  if (!TIME_UNITS.includes(timeUnit)) {
    throw invalid(`option "timeUnit" must be one of ${TIME_UNITS.join(', ')}, got ${describe(timeUnit)}`);
  }
  const precision = o.precision ?? (timeUnit === 'nanosecond' ? 'nano' : 'micro');
  if (precision !== 'micro' && precision !== 'nano') {
    throw invalid(`option "precision" must be 'micro' or 'nano', got ${describe(precision)}`);
  }
  return { timeUnit, precision: precision === 'nano' ? 1 : 0 };
}

function maxBatches(o: Record<string, unknown>, fallback: number = DEFAULTS.maxBatchesInFlight): number {
  return integer(o.maxBatchesInFlight ?? fallback, 'maxBatchesInFlight', 1, 1 << 16);
}

/**
 * A savefile loses nothing when its reader waits, so it keeps fewer batches
 * in flight than a live capture (which needs slack against drops): measured
 * on a 1,000,000-packet file (bench/offline.js), 2 instead of 8 lowers the
 * main thread's event-loop delay p99 by about 1 ms at the same throughput,
 * the capture thread competing less for this machine's two CPUs.
 */
export const OFFLINE_MAX_BATCHES_IN_FLIGHT = 2;

/** Options of openOffline(): open()'s options that apply to reading a savefile. */
export type OfflineOptions = Pick<
  OpenOptions,
  'filter' | 'optimize' | 'netmask' | 'limit' | 'timeUnit' | 'precision' | 'maxBatchesInFlight'
>;

export interface ResolvedOffline {
  path: string;
  precision: 0 | 1;
  filter: ResolvedFilter | undefined;
  timeUnit: TimeUnit;
  maxBatchesInFlight: number;
}

export function resolveOffline(path: unknown, options: unknown): ResolvedOffline {
  checkPath(path, 'the savefile path');
  const o = checkObject(options, 'openOffline');
  checkKeys(o, OFFLINE_KEYS, 'openOffline');
  const { timeUnit, precision } = resolveTime(o);
  return {
    path: path as string,
    precision,
    filter: resolveOpenFilter(o),
    timeUnit,
    maxBatchesInFlight: maxBatches(o, OFFLINE_MAX_BATCHES_IN_FLIGHT),
  };
}

/** A link type given as a DLT number or a libpcap name ('EN10MB', 'RAW', ...). */
export function resolveLinktype(value: unknown, name = 'linktype'): number {
  if (typeof value === 'number') return integer(value, name, 0, 0xffff);
  if (typeof value === 'string') {
    const v = native.datalinkValue(cString(value, `option "${name}"`));
    if (v < 0) throw invalid(`option "${name}": libpcap knows no link type ${describe(value)}`);
    return v;
  }
  throw invalid(`option "${name}" must be a DLT number or a libpcap link-type name, got ${describe(value)}`);
}

export { integer as checkInteger, boolean as checkBoolean, checkObject, checkKeys, checkPath, cString, describe };
