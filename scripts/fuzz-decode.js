#!/usr/bin/env node
'use strict';
/*
 * Fuzzing of ewpcap/decode (issue 15): decode() must never throw, never hang
 * and never read outside the packet's bytes, whatever it is given.
 *
 *   node scripts/fuzz-decode.js               # every input (several million), counts and time
 *   node scripts/fuzz-decode.js --share 0.01  # a fixed 1% of every family (what the test runs)
 *   node scripts/fuzz-decode.js --module path/to/decode.js   # fuzz another build (e.g. a mutated copy)
 *   node scripts/fuzz-decode.js --only prefix:52670          # one input, by family and index
 *   node scripts/fuzz-decode.js --families edge,flip         # some families only
 *
 * It fuzzes dist/decode (run `npm run build:ts` first). __tests__/decode-fuzz.test.ts
 * runs a fixed 1% share of the same inputs in `npm test`.
 *
 * Inputs, all from fixed seeds (an input is named by its family and index, and
 * the same name always gives the same bytes):
 *   random    random bytes (length 0..2048, mostly short) for every link type
 *             decode() supports and a few it does not (and invalid numbers)
 *   prefix    every prefix (0..caplen bytes) of every frame of ../shared/captures
 *             whose link type decode() supports (of the 24 frames over 4 KiB, every
 *             prefix up to 4 KiB and 256 lengths spread over the rest)
 *   flip      those frames with 1..4 bytes changed (a flipped bit, a small step up
 *             or down, or a byte set to 0, 0xff, 0x80 or a random value), mostly in
 *             the first 128 bytes; a quarter of them then cut at a random length
 *   splice    a random prefix of a frame followed by random bytes
 *   edge      each frame cut at the end of one of its headers (as decoded), with
 *             1..3 bytes of that header stepped or randomised
 *   arguments odd offset/length/link type arguments on a few frames
 *   flow      the zero-allocation FlowDecoder, on the prefix and flip inputs
 *             (when the module exports it)
 *
 * Checks, for every input:
 *   - no untyped throw: any exception escaping decode(), or escaping a read of
 *     any field of its result (fields are lazy getters, so every one is read),
 *     is a failure; errors must come back as data (`packet.error`, with a known
 *     reason, an offset inside the packet and a message);
 *   - no read past the end: the frame is decoded four ways, alone, as a subarray
 *     of a buffer filled with 0xff, and as (bytes, offset, length) inside buffers
 *     filled with 0x00 and with 0xff. Everything decoded is snapshotted (every
 *     field, every getter). The subarray's snapshot must equal the lone frame's
 *     (catches DataViews over the whole ArrayBuffer), and the two fills' must
 *     equal each other (catches index reads before `start` or at/after `end`,
 *     when they change anything decoded); every view (Uint8Array) must lie
 *     inside the frame, every layer's [offset, offset + length) and the payload
 *     inside [start, end], and no number may be NaN;
 *   - no hang: each input has a time bound (--slow-ms, default 250 ms for its
 *     four decodes and snapshots; an input over it is timed twice more and
 *     reported only if the fastest of the three is over it too, since a loaded
 *     machine pauses a thread for that long now and then), and a watchdog on the main thread stops the worker that runs the
 *     inputs when it makes no progress for --hang-ms (default 10 s): the input
 *     it was on is reported. --total-ms bounds the whole run.
 *
 * Exit status 0 when every check passed, 1 otherwise (benign: it prints
 * counts, time and the first failures with their bytes in hex).
 */
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const ROOT = path.resolve(__dirname, '..');
const CAPTURES = path.resolve(ROOT, '..', 'shared', 'captures');
const DEFAULT_MODULE = path.join(ROOT, 'dist', 'decode');

/** Fixed seeds, one per family. */
const SEEDS = {
  random: 0x9e3779b9,
  flip: 0x85ebca6b,
  splice: 0xc2b2ae35,
  arguments: 0x27d4eb2f,
  edge: 0xd3a2646c,
  encode: 0x165667b1,
};
/** Inputs per link type (random) and per frame (flip, splice) in a full run. */
const FULL = {
  randomPerLinkType: 40_000,
  flipsPerFrame: 100,
  splicesPerFrame: 40,
  edgesPerHeader: 16,
  encode: 200_000,
};
/** Link types decode() does not support, and numbers that are no link type at all. */
const OTHER_LINK_TYPES = [9, 104, 147, 0xffff, -1, 1.5, 2 ** 32 + 1, Number.NaN];
const REASONS = new Set(['truncated', 'bad-length', 'bad-value', 'unknown-type', 'loop']);
const PAD = 64;
/** Every prefix of a frame up to this length; beyond it, PREFIX_SAMPLES more lengths. */
const PREFIX_ALL = 4096;
const PREFIX_SAMPLES = 256;

// ---- deterministic randomness ---------------------------------------------------------

/** A 32-bit hash (one round of murmur3's finaliser over a mix): the seed of input i. */
function mix(seed, i) {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: small, fast, good enough to pick bytes. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomLength(r) {
  const x = r();
  if (x < 0.5) return Math.floor(r() * 65);
  if (x < 0.85) return 64 + Math.floor(r() * 193);
  return 256 + Math.floor(r() * 1793);
}

function randomBytes(r, n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

// ---- input families ---------------------------------------------------------------------

/**
 * The families over a corpus of frames [{ linkType, data }] and a set of
 * link types. Each family: { name, count, input(i) -> { linkType, bytes, offset?, length? } }.
 */
function families(frames, linkTypes, scale = FULL, mod = undefined) {
  const all = [];
  const randomLinkTypes = [...linkTypes, ...OTHER_LINK_TYPES];
  const perLt = scale.randomPerLinkType;
  all.push({
    name: 'random',
    count: randomLinkTypes.length * perLt,
    input(i) {
      const r = rng(mix(SEEDS.random, i));
      return { linkType: randomLinkTypes[Math.floor(i / perLt)], bytes: randomBytes(r, randomLength(r)) };
    },
  });
  // prefix: input i is (frame f, its j-th prefix length). Every length 0..caplen
  // up to PREFIX_ALL bytes; past that (24 GSO/jumbo frames of up to 64 KiB, where
  // the cut falls in payload and each decode is O(length) through the checksum
  // getters) PREFIX_SAMPLES lengths spread evenly, the full frame included.
  const prefixStarts = [];
  const prefixLength = (f, j) =>
    j <= PREFIX_ALL ? j : PREFIX_ALL + Math.ceil(((j - PREFIX_ALL) * (f.data.length - PREFIX_ALL)) / PREFIX_SAMPLES);
  const prefixCount = (f) => (f.data.length <= PREFIX_ALL ? f.data.length + 1 : PREFIX_ALL + 1 + PREFIX_SAMPLES);
  let total = 0;
  for (const f of frames) {
    prefixStarts.push(total);
    total += prefixCount(f);
  }
  const frameAt = (i) => {
    let lo = 0;
    let hi = prefixStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (prefixStarts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  all.push({
    name: 'prefix',
    count: total,
    input(i) {
      const k = frameAt(i);
      const f = frames[k];
      return { linkType: f.linkType, bytes: f.data.subarray(0, prefixLength(f, i - prefixStarts[k])) };
    },
  });
  const flips = scale.flipsPerFrame;
  all.push({
    name: 'flip',
    count: frames.length * flips,
    input(i) {
      const f = frames[Math.floor(i / flips)];
      const r = rng(mix(SEEDS.flip, i));
      const b = Uint8Array.from(f.data);
      if (b.length === 0) return { linkType: f.linkType, bytes: b };
      const changes = 1 + Math.floor(r() * 4);
      for (let c = 0; c < changes; c++) {
        const span = r() < 0.8 ? Math.min(b.length, 128) : b.length;
        const at = Math.floor(r() * span);
        const how = r();
        if (how < 0.3) b[at] ^= 1 << Math.floor(r() * 8);
        else if (how < 0.5) b[at] += r() < 0.5 ? 1 + Math.floor(r() * 4) : -1 - Math.floor(r() * 4);
        else if (how < 0.6) b[at] = 0;
        else if (how < 0.7) b[at] = 0xff;
        else if (how < 0.8) b[at] = 0x80;
        else b[at] = (r() * 256) | 0;
      }
      // A quarter are also cut short, so that a changed length field meets the
      // end of the captured bytes (where a missing bounds check reads past it).
      if (r() < 0.25) return { linkType: f.linkType, bytes: b.subarray(0, Math.floor(r() * (b.length + 1))) };
      return { linkType: f.linkType, bytes: b };
    },
  });
  const splices = scale.splicesPerFrame;
  all.push({
    name: 'splice',
    count: frames.length * splices,
    input(i) {
      const f = frames[Math.floor(i / splices)];
      const r = rng(mix(SEEDS.splice, i));
      const keep = Math.floor(r() * (Math.min(f.data.length, 256) + 1));
      const tail = randomBytes(r, Math.floor(r() * 256));
      const b = new Uint8Array(keep + tail.length);
      b.set(f.data.subarray(0, keep));
      b.set(tail, keep);
      return { linkType: f.linkType, bytes: b };
    },
  });
  // arguments: offsets and lengths outside the bytes, odd numbers, on a few frames.
  const odd = [-1, 0, 1, 13, 14, 1.5, Number.NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53];
  const sample = frames.filter((_, k) => k % Math.max(1, Math.floor(frames.length / 20)) === 0);
  all.push({
    name: 'arguments',
    count: sample.length * odd.length * odd.length,
    input(i) {
      const f = sample[Math.floor(i / (odd.length * odd.length))];
      const j = i % (odd.length * odd.length);
      return {
        linkType: f.linkType,
        bytes: f.data,
        offset: odd[Math.floor(j / odd.length)],
        length: odd[j % odd.length],
      };
    },
  });
  if (mod) all.push(edgeFamily(frames, scale.edgesPerHeader, mod));
  if (scale.encode) all.push(encodeFamily(scale.encode));
  return all;
}

/**
 * edge: each frame cut exactly at the end of one of its headers (as the module
 * decodes the intact frame), with 1..3 bytes inside that header stepped up or
 * down by 1..4 or randomised: a length or option field that now runs past the
 * end of the captured bytes, where a missing bounds check reads beyond them.
 * Random flips and cuts rarely meet there.
 */
function edgeFamily(frames, perHeader, mod) {
  // The boundaries come from decoding every frame with the module under test:
  // done on first use, in the worker, so that a module that hangs on a frame
  // is caught by the watchdog there and never run on the main thread.
  let headers;
  const boundaries = () => {
    if (headers) return headers;
    headers = [];
    frames.forEach((f, k) => {
      let p;
      try {
        p = mod.decode(f.linkType, f.data);
      } catch {
        return; // the other families report it
      }
      for (const l of p.layers)
        if (l.length > 0 && l.offset + l.length <= f.data.length) headers.push([k, l.offset, l.length]);
    });
    return headers;
  };
  return {
    name: 'edge',
    get count() {
      return boundaries().length * perHeader;
    },
    input(i) {
      const [k, offset, length] = boundaries()[Math.floor(i / perHeader)];
      const f = frames[k];
      const r = rng(mix(SEEDS.edge, i));
      const b = f.data.slice(0, offset + length);
      for (let c = 1 + Math.floor(r() * 3); c > 0; c--) {
        const at = offset + Math.floor(r() * length);
        b[at] = r() < 0.75 ? b[at] + (r() < 0.5 ? 1 : -1) * (1 + Math.floor(r() * 4)) : (r() * 256) | 0;
      }
      return { linkType: f.linkType, bytes: b };
    },
  };
}

// ---- encode: random layers through encode(), then decode() -------------------------------

/** Ports that make the decoder look for DNS or VXLAN in random payload bytes. */
const DISPATCHING_PORTS = new Set([53, 5353, 4789, 8472]);

/**
 * A random packet for encode(): a link layer (Ethernet with 0-2 VLAN tags, SLL,
 * NULL or none), IPv4 or IPv6, TCP (with options), UDP, ICMP or ICMPv6, and a
 * random payload; field values in range. With probability 0.15 one numeric
 * field is set out of range (`bad` names it): encode() must then reject it
 * with a typed error (an `err.code`), and otherwise accept it.
 */
function randomEncodeInput(r) {
  const int = (n) => Math.floor(r() * n);
  const pick = (xs) => xs[int(xs.length)];
  const mac = () => Array.from({ length: 6 }, () => int(256).toString(16).padStart(2, '0')).join(':');
  const v4 = () => Array.from({ length: 4 }, () => int(256)).join('.');
  const v6 = () => {
    const g = Array.from({ length: 8 }, () => (r() < 0.4 ? 0 : int(0x10000)).toString(16));
    return g.join(':');
  };
  const port = () => {
    let p;
    do p = int(0x10000);
    while (DISPATCHING_PORTS.has(p));
    return p;
  };
  const ipVersion = r() < 0.6 ? 4 : 6;
  const layers = [];
  const linkType = pick([1, 1, 1, 101, 113, 0]);
  if (linkType === 1) {
    layers.push({ kind: 'ethernet', src: mac(), dst: mac() });
    for (let n = int(3); n > 0; n--)
      layers.push({
        kind: 'vlan',
        id: int(4096),
        priority: int(8),
        dei: r() < 0.5,
        ...(r() < 0.3 ? { tpid: 0x88a8 } : {}),
      });
  } else if (linkType === 113) {
    layers.push({ kind: 'sll', packetType: int(5), arphrdType: 1, addressLength: 6, address: mac() });
  } else if (linkType === 0) {
    layers.push({ kind: 'null', family: ipVersion === 4 ? 2 : 24, loop: false });
  }
  if (ipVersion === 4)
    layers.push({
      kind: 'ipv4',
      src: v4(),
      dst: v4(),
      ttl: int(256),
      id: int(0x10000),
      dscp: int(64),
      ecn: int(4),
      dontFragment: r() < 0.5,
    });
  else
    layers.push({
      kind: 'ipv6',
      src: v6(),
      dst: v6(),
      hopLimit: int(256),
      trafficClass: int(256),
      flowLabel: int(0x100000),
    });
  const transport = pick(['tcp', 'tcp', 'udp', 'udp', 'icmp']);
  if (transport === 'tcp') {
    const tcp = {
      kind: 'tcp',
      srcPort: port(),
      dstPort: port(),
      seq: int(2 ** 32),
      ack: int(2 ** 32),
      flags: int(0x200),
      window: int(0x10000),
      urgentPointer: int(0x10000),
    };
    if (r() < 0.5) tcp.mss = int(0x10000);
    if (r() < 0.5) tcp.windowScale = int(15);
    if (r() < 0.5) tcp.sackPermitted = true;
    if (r() < 0.5) {
      tcp.tsval = int(2 ** 32);
      tcp.tsecr = int(2 ** 32);
    }
    if (r() < 0.3) tcp.sackBlocks = Array.from({ length: 2 * (1 + int(2)) }, () => int(2 ** 32));
    layers.push(tcp);
  } else if (transport === 'udp') {
    layers.push({ kind: 'udp', srcPort: port(), dstPort: port() });
  } else if (ipVersion === 4) {
    layers.push({
      kind: 'icmp',
      type: pick([0, 8, 13, 14]),
      code: 0,
      identifier: int(0x10000),
      sequence: int(0x10000),
    });
  } else {
    layers.push({ kind: 'icmpv6', type: pick([128, 129]), code: 0 });
  }
  const payload = randomBytes(r, int(65));
  let bad;
  if (r() < 0.15) {
    const last = layers[layers.length - 1];
    const ip = layers.find((l) => l.kind === 'ipv4' || l.kind === 'ipv6');
    const [layer, field] = pick([
      [last, last.kind === 'tcp' || last.kind === 'udp' ? 'srcPort' : 'code'],
      [ip, ip.kind === 'ipv4' ? 'ttl' : 'hopLimit'],
      [ip, ip.kind === 'ipv4' ? 'id' : 'flowLabel'],
    ]);
    const value = pick([
      -1,
      1.5,
      Number.NaN,
      2 ** 32,
      ip.kind === 'ipv6' && field === 'flowLabel' ? 0x100000 : 0x10000,
      256,
    ]);
    // 256 and 0x10000 are in range for some fields: only out-of-range values count as bad.
    const bits = { srcPort: 16, code: 8, ttl: 8, hopLimit: 8, id: 16, flowLabel: 20 }[field];
    if (!(Number.isInteger(value) && value >= 0 && value < 2 ** bits)) {
      layer[field] = value;
      bad = `${layer.kind}.${field} = ${value}`;
    }
  }
  return { linkType, packet: { layers, payload }, bad };
}

function encodeFamily(count) {
  return {
    name: 'encode',
    count,
    input(i) {
      const r = rng(mix(SEEDS.encode, i));
      const e = randomEncodeInput(r);
      return { linkType: e.linkType, bytes: new Uint8Array(0), encode: e };
    },
  };
}

/** An address in one spelling (IPv6 through the WHATWG URL parser, which writes RFC 5952's). */
function canonicalAddress(a) {
  if (typeof a === 'string' && a.includes(':') && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(a))
    return new URL(`http://[${a}]`).hostname.slice(1, -1);
  return typeof a === 'string' ? a.toLowerCase() : a;
}

/**
 * encode() then decode(): a typed rejection for the out-of-range input, and
 * for the others the same layers back, every given field equal, no error,
 * good checksums, and the decode checks on the bytes. Returns the problems.
 */
function checkEncode(mod, flowDecoder, input, counts) {
  const bad = [];
  const { linkType, packet, bad: badField } = input.encode;
  let bytes;
  try {
    bytes = mod.encode(packet);
  } catch (e) {
    if (typeof e?.code !== 'string' || e.code === '') bad.push(`untyped throw from encode(): ${describeThrow(e)}`);
    else if (!badField) bad.push(`encode() rejected a valid packet: ${e.code} ${e.message}`);
    else counts.rejected++;
    return bad;
  }
  if (badField) {
    bad.push(`encode() accepted ${badField}`);
    return bad;
  }
  if (!(bytes instanceof Uint8Array)) return [`encode() returned ${Object.prototype.toString.call(bytes)}`];
  const decodeProblems = checkInput(mod, flowDecoder, { linkType, bytes }, true);
  if (decodeProblems) bad.push(...decodeProblems);
  let p;
  try {
    p = mod.decode(linkType, bytes);
  } catch (e) {
    return [...bad, `untyped throw from decode() of an encoded frame: ${describeThrow(e)}`];
  }
  if (p.error !== null) bad.push(`decode() of the encoded frame stopped: ${p.error.message}`);
  const kinds = p.layers.map((l) => l.kind).join(',');
  const given = packet.layers.map((l) => l.kind).join(',');
  if (kinds !== given) bad.push(`layers ${given} came back as ${kinds}`);
  packet.layers.forEach((l, k) => {
    const d = p.layers[k];
    if (!d || d.kind !== l.kind) return;
    for (const [field, value] of Object.entries(l)) {
      if (field === 'kind') continue;
      const got = d[field];
      const same =
        Array.isArray(value) || ArrayBuffer.isView(value)
          ? JSON.stringify(Array.from(value)) === JSON.stringify(Array.from(got ?? []))
          : canonicalAddress(got) === canonicalAddress(value);
      if (!same) bad.push(`${l.kind}.${field}: gave ${JSON.stringify(value)}, decoded ${JSON.stringify(got)}`);
    }
    if ('checksumStatus' in d && d.checksumStatus !== 'good' && !(d.kind === 'udp' && d.checksum === 0))
      bad.push(`${l.kind}: checksum ${d.checksumStatus}`);
  });
  const payload = Buffer.from(p.payload).toString('hex');
  if (payload !== Buffer.from(packet.payload).toString('hex')) bad.push(`payload came back as ${payload}`);
  return bad;
}

// ---- checks -----------------------------------------------------------------------------

const getterCache = new Map();
/** The names of the getters (and data properties) on an object's prototype chain, cached per prototype. */
function protoGetters(proto) {
  let names = getterCache.get(proto);
  if (names) return names;
  names = [];
  for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) {
      if (name !== 'constructor' && typeof d.get === 'function' && !names.includes(name)) names.push(name);
    }
  }
  getterCache.set(proto, names);
  return names;
}

/**
 * A string of everything reachable from a decoded value: every own field and
 * every getter, recursively. Views are checked to lie inside [lo, hi) of the
 * frame (absolute byte positions in `buffer`) and recorded by position and
 * contents. Violations go to `bad`.
 */
function snapshot(value, ctx, depth = 0) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      // A NaN link type is given back as packet.linkType and the error's type;
      // any other NaN is a read of a missing byte (undefined) made a number.
      if (Number.isNaN(value) && !(ctx.nanLinkType && /(^|\.)(linkType|error\.type)$/.test(ctx.path.join('.'))))
        ctx.bad.push(`NaN at ${ctx.path.join('.')}`);
      return String(value);
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'function':
      return 'fn';
  }
  if (depth > 12) {
    ctx.bad.push(`nesting deeper than 12 at ${ctx.path.join('.')}`);
    return '…';
  }
  if (ArrayBuffer.isView(value)) {
    const at = value.byteOffset;
    if (value.buffer !== ctx.buffer) {
      ctx.bad.push(`view ${ctx.path.join('.')} is not in the packet's buffer (a copy)`);
    } else if (at < ctx.lo || at + value.byteLength > ctx.hi) {
      ctx.bad.push(
        `view ${ctx.path.join('.')} spans [${at - ctx.lo}, ${at + value.byteLength - ctx.lo}) of a ${ctx.hi - ctx.lo}-byte packet`,
      );
    }
    // Position and length only: inside the packet the contents are the packet's.
    return `view@${at - ctx.lo}+${value.byteLength}`;
  }
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) {
      ctx.path.push(i);
      s += snapshot(value[i], ctx, depth + 1) + ',';
      ctx.path.pop();
    }
    return s + ']';
  }
  let s = '{';
  for (const key of Object.keys(value)) {
    // The bytes given to decode(), kept by reference by the packet and its layers.
    if (value[key] === ctx.input) continue;
    ctx.path.push(key);
    s += key + ':' + snapshot(value[key], ctx, depth + 1) + ',';
    ctx.path.pop();
  }
  for (const key of protoGetters(Object.getPrototypeOf(value))) {
    ctx.path.push(key);
    s += key + ':' + snapshot(value[key], ctx, depth + 1) + ',';
    ctx.path.pop();
  }
  return s + '}';
}

const KINDS = [
  'ethernet', 'vlan', 'llc', 'snap', 'sll', 'sll2', 'null', 'radiotap', 'ieee80211', 'arp', 'ipv4', 'ipv6',
  'ipv6-hop-by-hop', 'ipv6-destination', 'ipv6-routing', 'ipv6-fragment', 'ah', 'icmp', 'icmpv6', 'tcp', 'udp',
  'sctp', 'gre', 'vxlan', 'dns',
]; // prettier-ignore

/**
 * decode() once, as given, with every field read; returns { snap, start, end }
 * or throws what escaped (the caller counts it as an untyped throw).
 */
function decodeAndRead(mod, linkType, bytes, offset, length, bad, where) {
  const p = offset === undefined ? mod.decode(linkType, bytes) : mod.decode(linkType, bytes, offset, length);
  if (p === null || typeof p !== 'object') {
    bad.push(`${where}: decode() returned ${p}`);
    return { snap: '' };
  }
  const { start, end } = p;
  if (p.bytes !== bytes) bad.push(`${where}: packet.bytes is not the bytes given`);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= bytes.length)) {
    bad.push(`${where}: start ${start}, end ${end} outside the ${bytes.length} bytes`);
    return { snap: '' };
  }
  const lo = bytes.byteOffset + start;
  const hi = bytes.byteOffset + end;
  const ctx = { buffer: bytes.buffer, input: bytes, lo, hi, bad, path: [where], nanLinkType: Number.isNaN(linkType) };
  const snap = snapshot(p, ctx);
  // Positions are indices into `bytes`: they must stay inside [start, end].
  const inside = (x) => Number.isInteger(x) && x >= start && x <= end;
  if (!inside(p.payloadOffset) || !inside(p.payloadEnd) || p.payloadEnd < p.payloadOffset)
    bad.push(`${where}: payload [${p.payloadOffset}, ${p.payloadEnd}) outside [${start}, ${end}]`);
  for (const layer of p.layers) {
    if (!inside(layer.offset) || !inside(layer.offset + layer.length) || layer.length < 0)
      bad.push(`${where}: ${layer.kind} at [${layer.offset}, +${layer.length}) outside [${start}, ${end}]`);
  }
  const e = p.error;
  if (e !== null) {
    if (
      typeof e !== 'object' ||
      !REASONS.has(e.reason) ||
      typeof e.layer !== 'string' ||
      !inside(e.offset) ||
      typeof e.message !== 'string' ||
      e.message === '' ||
      !(e.type === undefined || Number.isInteger(e.type) || (e.layer === 'link' && Object.is(e.type, linkType)))
    )
      bad.push(`${where}: malformed error ${JSON.stringify(e)}`);
  }
  for (const kind of KINDS) {
    const first = p.layer(kind);
    const last = p.lastLayer(kind);
    if ((first === undefined) !== (last === undefined))
      bad.push(`${where}: layer(${kind}) and lastLayer(${kind}) disagree`);
  }
  return { snap, start, end };
}

/** The zero-allocation path on one input: no throw, positions inside the packet, addresses formattable. */
function flowAndRead(decoder, linkType, bytes, offset, length, bad, where) {
  const f = offset === undefined ? decoder.decode(linkType, bytes) : decoder.decode(linkType, bytes, offset, length);
  const ctx = {
    buffer: bytes.buffer,
    input: bytes,
    lo: bytes.byteOffset,
    hi: bytes.byteOffset + bytes.length,
    bad,
    path: [where],
  };
  let s = '';
  for (const key of Object.keys(f)) if (f[key] !== bytes) s += key + ':' + snapshot(f[key], ctx, 1) + ',';
  for (const key of protoGetters(Object.getPrototypeOf(f))) s += key + ':' + snapshot(f[key], ctx, 1) + ',';
  if (f.ipVersion !== 0) s += f.srcAddress() + '>' + f.dstAddress();
  const lo = offset === undefined ? 0 : offset;
  const hi = offset === undefined ? bytes.length : offset + length;
  const within = (x, n) => x === -1 || (x >= lo && x + n <= hi);
  const alen = f.ipVersion === 6 ? 16 : 4;
  if (!within(f.srcOffset, alen) || !within(f.dstOffset, alen))
    bad.push(`${where}: address offsets outside the packet`);
  if (f.payloadOffset < lo || f.payloadOffset + f.payloadLength > hi || f.payloadLength < 0)
    bad.push(`${where}: flow payload [${f.payloadOffset}, +${f.payloadLength}) outside [${lo}, ${hi})`);
  return s;
}

function describeThrow(e) {
  return `${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`.slice(0, 200);
}

/**
 * Runs one input through every check. Returns null, or a list of what failed.
 */
function checkInput(mod, flowDecoder, input, withFlow) {
  const bad = [];
  const { linkType, bytes } = input;
  const n = bytes.length;
  const alone = Uint8Array.from(bytes);
  const inFill = (fill) => {
    const big = new Uint8Array(n + 2 * PAD).fill(fill);
    big.set(bytes, PAD);
    return big;
  };
  const zeros = inFill(0x00);
  const ones = inFill(0xff);
  const odd = input.offset !== undefined;
  try {
    if (odd) {
      // Odd arguments: only the contract (no throw, everything inside bytes) applies.
      decodeAndRead(mod, linkType, alone, input.offset, input.length, bad, 'args');
    } else {
      const a = decodeAndRead(mod, linkType, alone, undefined, undefined, bad, 'alone');
      const b = decodeAndRead(mod, linkType, ones.subarray(PAD, PAD + n), undefined, undefined, bad, 'subarray');
      const c = decodeAndRead(mod, linkType, zeros, PAD, n, bad, 'fill00');
      const d = decodeAndRead(mod, linkType, ones, PAD, n, bad, 'fillff');
      if (a.snap !== b.snap) bad.push('alone and subarray-of-0xff decode differently (reads outside the view)');
      if (c.snap !== d.snap)
        bad.push('0x00 and 0xff around the packet decode differently (reads outside [start, end))');
      if (c.start !== PAD || c.end !== PAD + n) bad.push(`offset/length form: start ${c.start}, end ${c.end}`);
    }
  } catch (e) {
    bad.push(`untyped throw from decode(): ${describeThrow(e)}`);
  }
  if (withFlow && flowDecoder && !odd) {
    try {
      const a = flowAndRead(flowDecoder, linkType, zeros, PAD, n, bad, 'flow00');
      const b = flowAndRead(flowDecoder, linkType, ones, PAD, n, bad, 'flowff');
      if (a !== b) bad.push('flow: 0x00 and 0xff around the packet decode differently');
    } catch (e) {
      bad.push(`untyped throw from FlowDecoder.decode(): ${describeThrow(e)}`);
    }
  }
  return bad.length ? bad : null;
}

// ---- the worker: runs the inputs -----------------------------------------------------------

/**
 * Runs `share` of every family (indices i with i % stride === 0 for a share
 * of 1/stride), reporting progress in `progress` (Int32Array over a
 * SharedArrayBuffer: [inputs done, family index, input index]).
 */
function runInputs({
  modulePath,
  frames,
  linkTypes,
  share,
  slowMs,
  totalMs,
  progress,
  only,
  familyNames,
  maxFailures = 25,
}) {
  const mod = require(modulePath);
  const flowDecoder = typeof mod.FlowDecoder === 'function' ? new mod.FlowDecoder() : null;
  const fams = families(frames, linkTypes, FULL, mod);
  const stride = Math.max(1, Math.round(1 / share));
  const report = {
    families: {},
    inputs: 0,
    failures: [],
    failureCount: 0,
    slow: [],
    pauses: 0,
    maxMs: 0,
    timedOut: false,
  };
  const t0 = performance.now();
  fams.forEach((fam, fi) => {
    const counts = { inputs: 0, failed: 0, ms: 0, flow: 0, rejected: 0 };
    const ft = performance.now();
    if (familyNames && !familyNames.includes(fam.name)) return;
    Atomics.store(progress, 1, fi);
    Atomics.store(progress, 2, -1);
    const [onlyFamily, onlyIndex] = only ? only.split(':') : [];
    const first = only ? (onlyFamily === fam.name ? Number(onlyIndex) : fam.count) : 0;
    const last = only ? Math.min(fam.count, first + 1) : fam.count;
    for (let i = first; i < last && !report.timedOut; i += stride) {
      Atomics.store(progress, 1, fi);
      Atomics.store(progress, 2, i);
      const input = fam.input(i);
      const withFlow = fam.name === 'prefix' || fam.name === 'flip';
      const run = (c = counts) => {
        if (!input.encode) return checkInput(mod, flowDecoder, input, withFlow);
        const problems = checkEncode(mod, flowDecoder, input, c);
        return problems.length ? problems : null;
      };
      if (input.encode && typeof mod.encode !== 'function') break;
      let t = performance.now();
      const bad = run();
      let ms = performance.now() - t;
      if (ms > slowMs) {
        // Over the bound once: time it twice more and keep the fastest, so that
        // a pause of the machine (other work, a GC) is not taken for the
        // decoder's; only an input slow every time is reported.
        for (let k = 0; k < 2 && ms > slowMs; k++) {
          t = performance.now();
          run({ rejected: 0 });
          ms = Math.min(ms, performance.now() - t);
        }
        if (ms <= slowMs) report.pauses++;
      }
      if (ms > report.maxMs) report.maxMs = ms;
      if (ms > slowMs) report.slow.push({ family: fam.name, index: i, ms, bytes: hex(input.bytes) });
      counts.inputs++;
      if (withFlow && flowDecoder) counts.flow++;
      if (bad) {
        counts.failed++;
        report.failureCount++;
        if (report.failures.length < maxFailures)
          report.failures.push({
            family: fam.name,
            index: i,
            linkType: input.linkType,
            offset: input.offset,
            length: input.length,
            bytes: input.encode ? JSON.stringify(input.encode) : hex(input.bytes),
            problems: bad.slice(0, 5),
          });
      }
      Atomics.add(progress, 0, 1);
      if ((counts.inputs & 1023) === 0 && performance.now() - t0 > totalMs) report.timedOut = true;
    }
    counts.ms = performance.now() - ft;
    report.families[fam.name] = counts;
    report.inputs += counts.inputs;
  });
  report.ms = performance.now() - t0;
  report.flowDecoder = flowDecoder !== null;
  return report;
}

function hex(bytes) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.length > 256 ? `${b.subarray(0, 256).toString('hex')}… (${b.length} bytes)` : b.toString('hex');
}

if (!isMainThread && workerData?.fuzzDecode) {
  const report = runInputs({ ...workerData, progress: new Int32Array(workerData.progressBuffer) });
  parentPort.postMessage(report);
}

// ---- the main thread: frames, worker, watchdog --------------------------------------------

/** Every frame of ../shared/captures whose link type the module decodes, read with ewpcap's openOffline(). */
async function captureFrames(linkTypes, capturesDir = CAPTURES) {
  const fs = require('node:fs');
  const { openOffline } = require(path.join(ROOT, 'dist'));
  const names = fs
    .readdirSync(capturesDir)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort();
  const frames = [];
  const byLinkType = {};
  for (const name of names) {
    let sock;
    try {
      sock = await openOffline(path.join(capturesDir, name));
    } catch {
      continue; // a file libpcap refuses (an unknown link type); nothing to decode
    }
    try {
      for await (const p of sock) {
        if (!linkTypes.includes(p.datalink)) continue;
        frames.push({ linkType: p.datalink, data: new Uint8Array(p.data) });
        byLinkType[p.datalink] = (byLinkType[p.datalink] ?? 0) + 1;
      }
    } catch {
      // a truncated file: its good packets were delivered first
    } finally {
      await sock.close().catch(() => {});
    }
  }
  return { frames, byLinkType };
}

/** The link types the module says it supports (its LinkType table). */
function supportedLinkTypes(modulePath) {
  const mod = require(modulePath);
  return [...new Set(Object.values(mod.LinkType ?? {}))].filter((x) => Number.isInteger(x)).sort((a, b) => a - b);
}

/**
 * Runs the fuzz in a worker thread under a watchdog. Resolves with the report:
 * { inputs, failureCount, failures, slow, hang, families, ms, maxMs, timedOut }.
 * `corpus` ({ frames, byLinkType } from captureFrames()) saves reading the captures again.
 */
async function fuzz({
  modulePath = DEFAULT_MODULE,
  share = 1,
  slowMs = 250,
  hangMs = 10_000,
  totalMs = 60 * 60_000,
  corpus,
  only,
  familyNames,
  onProgress,
} = {}) {
  const linkTypes = supportedLinkTypes(modulePath);
  if (!corpus) corpus = await captureFrames(linkTypes);
  const progressBuffer = new SharedArrayBuffer(12);
  const progress = new Int32Array(progressBuffer);
  const worker = new Worker(__filename, {
    workerData: {
      fuzzDecode: true,
      only,
      familyNames,
      modulePath,
      frames: corpus.frames,
      linkTypes,
      share,
      slowMs,
      totalMs,
      progressBuffer,
    },
  });
  const fams = () => families(corpus.frames, linkTypes, FULL, require(modulePath));
  const names = fams().map((f) => f.name);
  return new Promise((resolve, reject) => {
    let last = -1;
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
      const done = Atomics.load(progress, 0);
      if (onProgress) onProgress(done);
      if (done !== last) {
        last = done;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange < hangMs) return;
      clearInterval(watchdog);
      const family = names[Atomics.load(progress, 1)];
      const index = Atomics.load(progress, 2);
      void worker.terminate();
      // The input's bytes, made again here (not for 'edge': its inputs come
      // from running the module, which may be what hangs).
      const input =
        family === 'edge' || index < 0
          ? { linkType: undefined, bytes: new Uint8Array(0) }
          : fams()
              .find((f) => f.name === family)
              .input(index);

      resolve({
        inputs: done,
        failureCount: 1,
        failures: [],
        slow: [],
        hang: { family, index, linkType: input.linkType, bytes: hex(input.bytes), ms: Date.now() - lastChange },
        byLinkType: corpus.byLinkType,
        frames: corpus.frames.length,
      });
    }, 250);
    worker.once('message', (report) => {
      clearInterval(watchdog);
      resolve({ ...report, hang: null, byLinkType: corpus.byLinkType, frames: corpus.frames.length });
    });
    worker.once('error', (e) => {
      clearInterval(watchdog);
      reject(e);
    });
  });
}

function summary(report) {
  const lines = [];
  const n = (x) => x.toLocaleString('en-US');
  lines.push(
    `${n(report.inputs)} inputs in ${(report.ms / 1000).toFixed(1)} s (slowest input ${report.maxMs?.toFixed(1)} ms, ` +
      `the fastest of 3 timings for the ${report.pauses ?? 0} over the bound once); ` +
      `${n(report.frames)} capture frames by link type ${JSON.stringify(report.byLinkType)}`,
  );
  for (const [name, c] of Object.entries(report.families ?? {}))
    lines.push(
      `  ${name.padEnd(10)} ${n(c.inputs).padStart(10)} inputs ${(c.ms / 1000).toFixed(1).padStart(7)} s  failed ${c.failed}` +
        (c.flow ? `  (and through FlowDecoder: ${n(c.flow)})` : '') +
        (c.rejected ? `  (out-of-range fields rejected with a typed error: ${n(c.rejected)})` : ''),
    );
  if (report.flowDecoder === false) lines.push('  (no FlowDecoder exported: the fast path was not fuzzed)');
  if (report.timedOut) lines.push('  STOPPED: the total time bound was reached');
  if (report.hang) lines.push(`  HANG: no progress for ${report.hang.ms} ms on ${JSON.stringify(report.hang)}`);
  for (const s of report.slow ?? []) lines.push(`  SLOW: ${s.ms.toFixed(0)} ms on ${s.family} #${s.index}: ${s.bytes}`);
  for (const f of report.failures ?? [])
    lines.push(
      `  FAIL ${JSON.stringify({ ...f, bytes: f.bytes.length > 160 ? `${f.bytes.slice(0, 160)}…` : f.bytes })}`,
    );
  lines.push(
    report.failureCount === 0 && !report.hang && (report.slow ?? []).length === 0 && !report.timedOut
      ? 'OK: no untyped throw, no read outside the packet, no hang'
      : `FAILED: ${report.failureCount} inputs failed, ${(report.slow ?? []).length} slow`,
  );
  return lines.join('\n');
}

module.exports = { fuzz, summary, captureFrames, supportedLinkTypes, families, checkInput, snapshot, SEEDS, FULL };

if (isMainThread && require.main === module) {
  const { parseArgs } = require('node:util');
  const { values } = parseArgs({
    options: {
      share: { type: 'string', default: '1' },
      module: { type: 'string', default: DEFAULT_MODULE },
      'slow-ms': { type: 'string', default: '250' },
      'hang-ms': { type: 'string', default: '10000' },
      'total-ms': { type: 'string', default: String(60 * 60_000) },
      only: { type: 'string' },
      families: { type: 'string' },
    },
  });
  let lastPrint = Date.now();
  fuzz({
    modulePath: path.resolve(values.module),
    share: Number(values.share),
    slowMs: Number(values['slow-ms']),
    hangMs: Number(values['hang-ms']),
    totalMs: Number(values['total-ms']),
    only: values.only,
    familyNames: values.families?.split(','),
    onProgress(done) {
      if (Date.now() - lastPrint > 15_000) {
        lastPrint = Date.now();
        process.stderr.write(`  ... ${done.toLocaleString('en-US')} inputs\n`);
      }
    },
  }).then(
    (report) => {
      console.log(summary(report));
      process.exitCode =
        report.failureCount === 0 && !report.hang && report.slow.length === 0 && !report.timedOut ? 0 : 1;
    },
    (e) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}
