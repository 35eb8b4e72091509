/**
 * The bad-input matrix: every public function and option, given wrong
 * types, negative, zero, fractional, NaN and huge numbers, empty strings and
 * NUL bytes, unknown options, throwing getters, detached and zero-length
 * buffers, and calls after close. Each case must end in a typed PcapError
 * (matched on `code`) whose message names the argument: never a crash, a
 * hang, a TypeError or RangeError, or a value silently used. The cases are
 * generated from the tables below; the suite's titles count them.
 *
 * Then the same-tick interleavings of close() with read(), write(),
 * filter(), stats() and the rest: every promise settles, with a value or a
 * typed error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BpfProgram,
  captureToFile,
  compile,
  createSavefile,
  diagnostics,
  open,
  openOffline,
  PacketBatch,
  prewarm,
  type CaptureSocket,
  type SavefileWriter,
} from '../lib';
import { describeLive, T } from './support/netns';

const CODES = new Set(['ELIBPCAP', 'EPERM', 'ENODEV', 'EINVAL', 'ENOMEM', 'EFILTER', 'EAGAIN', 'ECLOSED', 'EPCAP']);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-bad-input-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const savefile = path.join(dir, 'three.pcap');

beforeAll(async () => {
  const w = await createSavefile(savefile);
  for (let i = 0; i < 3; i++) w.write({ time: { sec: 1_700_000_000 + i, usec: 0 }, data: Buffer.alloc(60, i) });
  await w.close();
});

/** An ArrayBuffer that was transferred away: zero bytes long. */
function detached(size = 64): ArrayBuffer {
  const buffer = new ArrayBuffer(size);
  structuredClone(buffer, { transfer: [buffer] });
  return buffer;
}

/** A Uint8Array whose buffer was transferred away after it was made. */
function detachedView(): Uint8Array {
  const view = new Uint8Array(64);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

function throwingGetter(key: string): object {
  return Object.defineProperty({}, key, {
    enumerable: true,
    get() {
      throw new Error('boom from a getter');
    },
  });
}

const throwingProxy = new Proxy(
  {},
  {
    ownKeys() {
      throw new Error('boom from a Proxy');
    },
  },
);

/** Bad values of each kind of option; `names` is what the message must contain. */
const NOT_INTEGER = ['12', true, {}, [], 1.5, NaN, Infinity, -Infinity, 2 ** 53, 1e300, 10n, Symbol('s')];
const NOT_BOOLEAN = ['true', 1, 0, {}, null, NaN];
const NOT_STRING = [5, {}, [], true, 10n];

interface OptionTable {
  [option: string]: readonly unknown[];
}

/** open(): each option with its bad values. */
const OPEN_OPTIONS: OptionTable = {
  promisc: NOT_BOOLEAN,
  snaplen: [...NOT_INTEGER, 0, -1, 2 ** 31],
  timeout: ['soon', '', {}, -1, 1.5, NaN, 2 ** 31, 1e300, true],
  buffer: [...NOT_INTEGER, -1, 2 ** 31 - 1, (256 << 20) + 1],
  monitor: NOT_BOOLEAN,
  filter: [...NOT_STRING, 'tcp\0 garbage', '\0'],
  optimize: NOT_BOOLEAN,
  netmask: ['255.255.255', '256.0.0.0', '', 'x\0', -1, 2 ** 32, 1.5, NaN, {}, true],
  limit: ['10', -2, 1.5, NaN, 2 ** 31, true],
  timeUnit: ['second', '', 5, {}, 'nanosecond\0'],
  precision: ['milli', '', 1, {}],
  timestampType: ['no such type', '', 'host\0adapter', 5, {}],
  direction: ['both', '', 0, {}],
  maxBatchesInFlight: [...NOT_INTEGER, 0, -1, 2 ** 16 + 1],
};

const OFFLINE_OPTIONS: OptionTable = {
  filter: OPEN_OPTIONS.filter!,
  optimize: NOT_BOOLEAN,
  netmask: OPEN_OPTIONS.netmask!,
  limit: OPEN_OPTIONS.limit!,
  timeUnit: OPEN_OPTIONS.timeUnit!,
  precision: OPEN_OPTIONS.precision!,
  maxBatchesInFlight: OPEN_OPTIONS.maxBatchesInFlight!,
};

const FILTER_OPTIONS: OptionTable = {
  optimize: NOT_BOOLEAN,
  netmask: OPEN_OPTIONS.netmask!,
  limit: OPEN_OPTIONS.limit!,
};

const COMPILE_OPTIONS: OptionTable = {
  ...FILTER_OPTIONS,
  linktype: ['NOPE', '', 'EN10MB\0', -1, 65536, 1.5, NaN, {}, true],
  snaplen: [...NOT_INTEGER, 0, -1, 2 ** 31],
};

const SAVEFILE_OPTIONS: OptionTable = {
  linktype: COMPILE_OPTIONS.linktype!,
  snaplen: COMPILE_OPTIONS.snaplen!,
  precision: ['pico', '', 1, {}],
  append: NOT_BOOLEAN,
};

const RECORD_OPTIONS: OptionTable = {
  append: NOT_BOOLEAN,
  deliver: NOT_BOOLEAN,
  count: [...NOT_INTEGER, 0, -1, 2 ** 32],
};

const NOT_OPTIONS = ['x', 5, true, [], 10n];

interface Case {
  title: string;
  /** Runs the call; a synchronous throw counts as a rejection. */
  call: () => unknown;
  /** The error's code. */
  code: string;
  /** What the message must contain: the argument's name. */
  names: RegExp;
}

const show = (v: unknown): string =>
  typeof v === 'bigint'
    ? `${v}n`
    : typeof v === 'symbol'
      ? 'Symbol()'
      : typeof v === 'string'
        ? JSON.stringify(v)
        : v instanceof Uint8Array
          ? `${v.constructor.name}(${v.byteLength})`
          : v instanceof ArrayBuffer
            ? `ArrayBuffer(${v.byteLength})`
            : Array.isArray(v)
              ? '[]'
              : typeof v === 'object' && v !== null
                ? '{}'
                : String(v);

/** Cases for an options argument: each bad value of each option, unknown keys, non-objects, throwing getters. */
function optionCases(fn: string, table: OptionTable, call: (options: unknown) => unknown): Case[] {
  const cases: Case[] = [];
  for (const [option, values] of Object.entries(table)) {
    for (const value of values) {
      const names =
        option === 'filter' ? /filter/ : option === 'netmask' ? /netmask/ : new RegExp(`"${option}"|${option}`);
      cases.push({
        title: `${fn} { ${option}: ${show(value)} }`,
        call: () => call({ [option]: value }),
        code: 'EINVAL',
        names,
      });
    }
    cases.push({
      title: `${fn} { ${option} } from a throwing getter`,
      call: () => call(throwingGetter(option)),
      code: 'EINVAL',
      names: new RegExp(`"${option}".*boom`),
    });
  }
  for (const unknown of ['snaplenn', 'Filter', '__proto__x', '']) {
    cases.push({
      title: `${fn} { ${JSON.stringify(unknown)}: 1 } (unknown option)`,
      call: () => call({ [unknown]: 1 }),
      code: 'EINVAL',
      names: new RegExp(`unknown .*"${unknown}"`),
    });
  }
  for (const value of NOT_OPTIONS) {
    cases.push({ title: `${fn} options ${show(value)}`, call: () => call(value), code: 'EINVAL', names: /options/ });
  }
  cases.push({
    title: `${fn} options from a throwing Proxy`,
    call: () => call(throwingProxy),
    code: 'EINVAL',
    names: /options.*boom/,
  });
  return cases;
}

/** Cases for a positional argument. */
function argumentCases(
  fn: string,
  values: readonly unknown[],
  names: RegExp,
  call: (value: unknown) => unknown,
): Case[] {
  return values.map((value) => ({ title: `${fn}(${show(value)})`, call: () => call(value), code: 'EINVAL', names }));
}

const PATHS = ['', 5, {}, null, 'a\0b.pcap', '\0'];
const frame = Buffer.alloc(60, 0xab);

/** The matrix of calls that need no device and no privilege. */
function offlineMatrix(): Case[] {
  const batchHeader = (words: number[]) => new Uint32Array([...words, ...new Array(64).fill(0)]).buffer;
  return [
    // open(): options are checked before any device is touched.
    ...optionCases('open', OPEN_OPTIONS, (o) => open('lo', o as never)),
    ...argumentCases('open', [5, {}, [], true, 'eth\0', '\0'], /device/, (d) => open(d as string)),
    ...optionCases('openOffline', OFFLINE_OPTIONS, (o) => openOffline(savefile, o as never)),
    ...argumentCases('openOffline', PATHS, /path/, (p) => openOffline(p as string)),
    ...argumentCases(
      'openOffline unknown option',
      [{ snaplen: 100 }, { buffer: 1 }],
      /unknown openOffline option/,
      (o) => openOffline(savefile, o as never),
    ),
    // compile() and hand-made programs.
    ...optionCases('compile', COMPILE_OPTIONS, (o) => compile('tcp', o as never)),
    ...argumentCases('compile', [...NOT_STRING, null, undefined, 'tcp\0 garbage', '\0'], /filter expression/, (e) =>
      compile(e as string),
    ),
    ...argumentCases(
      'new BpfProgram expression',
      [...NOT_STRING, null],
      /expression/,
      (e) => new BpfProgram(e as string, 1, []),
    ),
    ...argumentCases(
      'new BpfProgram linktype',
      ['NOPE', 'EN10MB\0', -1, 1.5, NaN, 65536, null],
      /linktype/,
      (l) => new BpfProgram('x', l as number, [{ code: 6, jt: 0, jf: 0, k: 1 }]),
    ),
    ...argumentCases(
      'new BpfProgram code',
      [
        'code',
        5,
        null,
        {},
        Buffer.alloc(0),
        Buffer.alloc(3),
        detachedView(),
        [null],
        [{ code: 6 }],
        [{ code: 6, jt: 0, jf: 0, k: -1 }],
      ],
      /code/,
      (c) => new BpfProgram('x', 1, c as Buffer),
    ),
    ...argumentCases('BpfProgram.match data', ['x', 5, null, [1, 2], {}, new ArrayBuffer(4)], /"data"/, async (d) =>
      (await compile('tcp')).match(d as Buffer),
    ),
    ...argumentCases('BpfProgram.match length', [-1, 1.5, NaN, 2 ** 32, '60', Infinity], /"length"/, async (l) =>
      (await compile('tcp')).match(frame, l as number),
    ),
    // Savefile writers.
    ...optionCases('createSavefile', SAVEFILE_OPTIONS, (o) => createSavefile(path.join(dir, 'o.pcap'), o as never)),
    ...argumentCases('createSavefile', PATHS, /path/, (p) => createSavefile(p as string)),
    ...writeCases(),
    // captureToFile(): every argument is checked before the device is opened.
    ...argumentCases('captureToFile signal', ['x', 5, {}, new EventTarget(), true], /"signal"/, (signal) =>
      captureToFile('lo', path.join(dir, 'c.pcap'), { signal } as never),
    ),
    ...argumentCases('captureToFile count', [0, -1, 1.5, NaN, '5', 2 ** 32], /"count"/, (count) =>
      captureToFile('lo', path.join(dir, 'c.pcap'), { count } as never),
    ),
    ...argumentCases('captureToFile duration', [-1, 1.5, NaN, '5', 2 ** 31], /"duration"/, (duration) =>
      captureToFile('lo', path.join(dir, 'c.pcap'), { duration } as never),
    ),
    ...argumentCases('captureToFile path', PATHS, /path/, (p) => captureToFile('lo', p as string, { count: 1 })),
    ...argumentCases(
      'captureToFile without an end',
      [undefined, {}, { append: true }],
      /count, duration or signal/,
      (o) => captureToFile('lo', path.join(dir, 'c.pcap'), o as never),
    ),
    ...argumentCases(
      'captureToFile open option',
      [{ snaplen: 0 }, { buffer: 2 ** 31 - 1 }, { bogus: 1 }],
      /snaplen|buffer|bogus/,
      (o) => captureToFile('lo', path.join(dir, 'c.pcap'), { count: 1, ...(o as object) }),
    ),
    // Batches made by hand.
    ...argumentCases(
      'new PacketBatch',
      [
        new ArrayBuffer(0),
        detached(),
        'x',
        null,
        new Uint8Array(64),
        batchHeader([0xffffffff, 20, 0, 1, 64]), // a hostile count
        batchHeader([1, 20, 0, 1, 64]), // dataStart inside the records
        batchHeader([0, 20, 0, 1, 1 << 20]), // byteLength past the buffer
        batchHeader([0, 1 << 20, 0, 1, 64]), // dataStart past the end
        batchHeader([1, 44, 0, 1, 64, 0, 0, 0, 1000, 1000, 0]), // a packet past the end
        batchHeader([1, 44, 0, 1, 64, 0, 0, 0, 8, 8, 0xfffffff0]), // an offset that wraps
        batchHeader([0, 20, 7, 1, 20]), // an unknown precision
      ],
      /"buffer"/,
      (b) => new PacketBatch(b as ArrayBuffer),
    ),
    ...argumentCases('prewarm threads', [0, -1, 1.5, NaN, 65, '1', 2 ** 53], /"threads"/, (n) => prewarm(n as number)),
  ];
}

function writeCases(): Case[] {
  const data = Buffer.alloc(10);
  const packets: Array<[unknown, RegExp]> = [
    [null, /packet/],
    [5, /packet/],
    ['x', /packet/],
    [{ time: 1 }, /"data"/],
    [{ time: 1, data: 'abc' }, /"data"/],
    [{ time: 1, data: new ArrayBuffer(4) }, /"data"/],
    [{ data }, /"time"/],
    [{ time: 'now', data }, /"time"/],
    [{ time: -1, data }, /"time"/],
    [{ time: NaN, data }, /"time"/],
    [{ time: Infinity, data }, /"time"/],
    [{ time: 1e300, data }, /"time"/],
    [{ time: 2 ** 32 * 1e6, data }, /"time"/],
    [{ time: -1n, data }, /"time"/],
    [{ time: 2n ** 70n, data }, /"time"/],
    [{ time: { sec: 1.5, usec: 0 }, data }, /time\.sec/],
    [{ time: { sec: -1, usec: 0 }, data }, /time\.sec/],
    [{ time: { sec: 2 ** 40, usec: 0 }, data }, /time\.sec/],
    [{ time: { sec: '1', usec: 0 }, data }, /time\.sec/],
    [{ time: { sec: 1, usec: -1 }, data }, /time\.usec/],
    [{ time: { sec: 1, usec: 1e6 }, data }, /time\.usec/],
    [{ time: { sec: 1, usec: NaN }, data }, /time\.usec/],
    [{ time: { sec: 1 }, data }, /time\.usec/],
    [{ time: 1, data, length: -1 }, /"length"/],
    [{ time: 1, data, length: 1.5 }, /"length"/],
    [{ time: 1, data, length: 2 ** 32 }, /"length"/],
    [{ time: 1, data, length: '10' }, /"length"/],
    [throwingGetter('time'), /"time".*boom/],
  ];
  return packets.map(([packet, names]) => ({
    title: `SavefileWriter.write(${show(packet)} ${packet && typeof packet === 'object' ? JSON.stringify(Object.keys(packet)) : ''})`,
    call: async () => {
      const w = await writer();
      w.write(packet as never);
    },
    code: 'EINVAL',
    names,
  }));
}

let sharedWriter: SavefileWriter | undefined;
async function writer(): Promise<SavefileWriter> {
  sharedWriter ??= await createSavefile(path.join(dir, 'shared.pcap'));
  return sharedWriter;
}

/** Cases on an open savefile socket: its methods' arguments, then every method after close(). */
function socketMatrix(get: () => CaptureSocket): Case[] {
  return [
    ...argumentCases('read', [-1, 1.5, NaN, '10', {}, Infinity, 2 ** 31, 2 ** 53], /timeout/, (t) =>
      get().read(t as number),
    ),
    ...argumentCases('filter', [...NOT_STRING, null, 'tcp\0 garbage'], /filter expression/, (e) =>
      get().filter(e as string),
    ),
    ...optionCases('filter', FILTER_OPTIONS, (o) => get().filter('tcp', o as never)),
    ...argumentCases('setDatalink', ['NOPE', '', 'EN10MB\0', -1, 1.5, NaN, 65536, {}, null], /linktype/, (l) =>
      get().setDatalink(l as number),
    ),
    ...argumentCases('record', ['', 5, {}, null, 'a\0b.pcap'], /path/, (p) => get().record(p as string)),
    ...optionCases('record', RECORD_OPTIONS, (o) => get().record(path.join(dir, 'r.pcap'), o as never)),
    ...argumentCases('write on a savefile socket', [frame], /savefile/, (f) => get().write(f as Buffer)),
  ];
}

function afterCloseMatrix(get: () => CaptureSocket): Case[] {
  // A savefile socket's errors say it ended or was closed.
  const calls: Array<[string, (s: CaptureSocket) => unknown]> = [
    ['read()', (s) => s.read()],
    ['read(10)', (s) => s.read(10)],
    ['filter()', (s) => s.filter('tcp')],
    ['stats()', (s) => s.stats()],
    ['datalinks()', (s) => s.datalinks()],
    ['setDatalink()', (s) => s.setDatalink('EN10MB')],
    ['timestampTypes()', (s) => s.timestampTypes()],
    ['record()', (s) => s.record(path.join(dir, 'after-close.pcap'))],
    [
      'async iteration',
      async (s) => (await s[Symbol.asyncIterator]().next()).done || Promise.reject(new Error('a packet after close')),
    ],
  ];
  return calls.map(([name, call]) => ({
    title: `${name} after close()`,
    call: () => call(get()),
    code: 'ECLOSED',
    names: /closed|ended/,
  }));
}

async function expectTyped(c: Case): Promise<void> {
  let error: unknown;
  try {
    const result = await c.call();
    // async iteration after close resolves { done: true }: that is the answer, not a failure.
    if (result === true) return;
  } catch (e) {
    error = e;
  }
  expect(error).toBeDefined();
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  expect({ code: e.code, name: e.name }).toEqual({ code: c.code, name: 'PcapError' });
  expect(String(e.message)).toMatch(c.names);
}

const OFFLINE = offlineMatrix();

describe(`the bad-input matrix: ${OFFLINE.length} calls without a device`, () => {
  afterAll(async () => {
    await sharedWriter?.close();
    // Nothing was opened by a call that failed its checks.
    expect(diagnostics().handles).toBe(0);
  });
  test.each(OFFLINE.map((c) => [c.title, c] as const))('%s', async (_title, c) => {
    await expectTyped(c);
  });
});

describe('the bad-input matrix on an open savefile socket', () => {
  let socket: CaptureSocket | undefined;
  const get = () => socket!;
  const cases = socketMatrix(get);
  beforeAll(async () => {
    socket = (await openOffline(savefile)) as unknown as CaptureSocket;
  });
  afterAll(() => socket?.close());
  test(`${cases.length} cases`, async () => {
    for (const c of cases) {
      try {
        await expectTyped(c);
      } catch (e) {
        throw new Error(`${c.title}: ${(e as Error).message}`);
      }
    }
    // Still usable after all that.
    expect(socket!.isOpen).toBe(true);
  });

  const closed = afterCloseMatrix(get);
  test(`${closed.length} calls after close(): ECLOSED`, async () => {
    await socket!.close();
    for (const c of closed) {
      try {
        await expectTyped(c);
      } catch (e) {
        throw new Error(`${c.title}: ${(e as Error).message}`);
      }
    }
    await socket!.close(); // idempotent
  });
});

/** Every promise settles within the time given, with a value or a typed error. */
async function settleTyped(promises: Array<Promise<unknown>>, ms = 5000): Promise<PromiseSettledResult<unknown>[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    const results = await Promise.race([Promise.allSettled(promises), timeout]);
    for (const r of results) {
      if (r.status === 'rejected') {
        const e = r.reason as { code?: string; name?: string; message?: string };
        expect({ name: e.name, typed: CODES.has(e.code ?? '') }).toEqual({ name: 'PcapError', typed: true });
      }
    }
    return results;
  } finally {
    clearTimeout(timer);
  }
}

type Op = [string, (s: CaptureSocket) => Promise<unknown>];
const OPS: Op[] = [
  ['read', (s) => s.read(200)],
  ['filter', (s) => s.filter('udp')],
  ['stats', (s) => s.stats()],
  ['datalinks', (s) => s.datalinks()],
  ['setDatalink', (s) => s.setDatalink('EN10MB')],
  ['record', (s) => s.record(path.join(dir, `tick-${Math.random()}.pcap`))],
  ['stopRecording', (s) => s.stopRecording()],
];

/** Each op before close() and after it in the same tick, and each ordered pair before close(). */
function interleavings(ops: Op[]): Array<[string, Array<(s: CaptureSocket) => Promise<unknown>>]> {
  const close: Op = ['close', (s) => s.close()];
  const out: Array<[string, Array<(s: CaptureSocket) => Promise<unknown>>]> = [];
  for (const a of ops) {
    out.push([`${a[0]}, close`, [a[1], close[1]]]);
    out.push([`close, ${a[0]}`, [close[1], a[1]]]);
    for (const b of ops) out.push([`${a[0]}, ${b[0]}, close`, [a[1], b[1], close[1]]]);
  }
  return out;
}

describe('same-tick interleavings with close() on savefile sockets', () => {
  const sequences = interleavings(OPS);
  test(`${sequences.length} sequences settle with values or typed errors`, async () => {
    for (const [name, calls] of sequences) {
      const s = (await openOffline(savefile)) as unknown as CaptureSocket;
      try {
        await settleTyped(calls.map((call) => call(s)));
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
      await s.close();
    }
    expect(diagnostics().handles).toBe(0);
  });
});

describeLive('the bad-input matrix on a live socket', () => {
  let socket: CaptureSocket | undefined;
  beforeAll(async () => {
    socket = (await open(T.dev1)) as unknown as CaptureSocket;
  });
  afterAll(() => socket?.close());

  const writes = argumentCases(
    'write',
    [5, 'abc', null, {}, [1, 2], [frame, 'x'], Buffer.alloc(0), [], detachedView(), new ArrayBuffer(60)],
    /write\(\)/,
    (d) => socket!.write(d as Buffer),
  );
  test(`${writes.length} bad write() arguments`, async () => {
    for (const c of writes) {
      try {
        await expectTyped(c);
      } catch (e) {
        throw new Error(`${c.title}: ${(e as Error).message}`);
      }
    }
  });

  const live = interleavings([...OPS, ['write', (s) => s.write(frame)]]);
  test(`${live.length} same-tick sequences with close() settle with values or typed errors`, async () => {
    for (const [name, calls] of live) {
      const s = (await open(T.dev1)) as unknown as CaptureSocket;
      try {
        await settleTyped(calls.map((call) => call(s)));
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
      await s.close();
    }
  });
});
