/**
 * The addon's interface, typed. The addon is loaded with node-gyp-build from
 * the package root: a local build (build/Release) if there is one, else the
 * prebuild for this platform (or the file EWPCAP_ADDON names). Loading it never needs libpcap; libpcap is
 * loaded by the first call that uses it.
 */
import path from 'node:path';

export interface NativeSocketAddress {
  family: 'inet' | 'inet6' | 'link';
  bytes: Buffer;
  scopeId?: number;
}

export interface NativeDevice {
  name: string;
  description: string;
  flags: number;
  addresses: Array<{
    addr: NativeSocketAddress;
    netmask?: NativeSocketAddress;
    broadaddr?: NativeSocketAddress;
    dstaddr?: NativeSocketAddress;
  }>;
}

export interface NativeOpenOptions {
  snaplen: number;
  promisc: boolean;
  timeout: number;
  immediate: boolean;
  buffer: number;
  monitor: boolean;
  precision: 0 | 1;
  direction: number;
  tstampType: number;
}

export type { Datalink as NativeDatalink, Stats as NativeStats } from './stats';
import type { Datalink as NativeDatalink, Stats as NativeStats } from './stats';

export interface NativeOpened {
  id: number;
  datalink: number;
  datalinkName: string;
  precision: 0 | 1;
  snaplen: number;
  netmask: number;
  warning?: string;
}

export interface BatchLayout {
  headerWords: number;
  recordWords: number;
  count: number;
  dataStart: number;
  precision: number;
  datalink: number;
  byteLength: number;
  secondsLow: number;
  secondsHigh: number;
  fraction: number;
  caplen: number;
  wireLength: number;
  dataOffset: number;
}

export interface NativeAddon {
  libVersion(): string;
  libPath(): string;
  findAllDevices(): Promise<NativeDevice[]>;
  open(device: string, options: NativeOpenOptions): NativeOpened;
  next(
    id: number,
    maxPackets: number,
    maxBytes: number,
    flushMicros: number,
    control: Int32Array,
    ackedIndex: number,
    posted: number,
    spare?: ArrayBuffer,
  ): ArrayBuffer | number;
  /** `stop` for a close request: also ends a savefile stream read waiting mid-packet. */
  wake(id: number, stop?: boolean): void;
  shutdown(): void;
  close(id: number): void;
  stats(id: number): NativeStats;
  inject(id: number, data: Uint8Array): void;
  setFilter(id: number, expression: string, optimize: boolean, netmask: number): void;
  handleCount(): number;
  datalinks(id: number): NativeDatalink[];
  setDatalink(id: number, value: number): NativeDatalink;
  timestampTypes(id: number): NativeDatalink[];
  openOffline(path: string, precision: 0 | 1): NativeOpened;
  dumpOpen(path: string, linktype: number, snaplen: number, precision: 0 | 1, append: boolean): number;
  dumpOpenFor(handleId: number, path: string, append: boolean): number;
  dumpBatch(id: number, batch: ArrayBuffer, maxCount: number): number;
  dumpPacket(id: number, seconds: number, fraction: number, precision: 0 | 1, length: number, data: Uint8Array): void;
  dumpFlush(id: number): void;
  dumpClose(id: number): void;
  dumperCount(): number;
  compile(linktype: number, snaplen: number, expression: string, optimize: boolean, netmask: number): Promise<Buffer>;
  match(program: Uint8Array, data: Uint8Array, length: number): boolean;
  image(program: Uint8Array): string[];
  datalinkValue(name: string): number;
  datalinkName(value: number): string;
  timestampTypeValue(name: string): number;
  batchLayout: BatchLayout;
}

/** The package root: lib/ (sources under ts-jest) and dist/ both sit one level below it. */
export const packageRoot = path.resolve(__dirname, '..');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => unknown;

/**
 * EWPCAP_ADDON names an addon file to load instead: the sanitizer build of
 * `npm run test:asan` (scripts/asan.js), which must not replace
 * build/Release. Worker threads inherit it, so they load the same file.
 */
const override = process.env.EWPCAP_ADDON;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadFile = (file: string) => require(path.resolve(file)) as unknown;

export const native = (override ? loadFile(override) : load(packageRoot)) as NativeAddon;

/** What `next()` returns besides a batch. */
export const NextStatus = { WOKEN: 0, END: -1, SHUTDOWN: -2 } as const;
