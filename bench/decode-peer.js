'use strict';
/*
 * One decoder, timed in its own process, for bench/decode.js (which runs every
 * peer round-robin in fresh processes and prints the table). Not meant to be run
 * by hand, but it can be:
 *
 *   node bench/decode-peer.js <peer> <corpus.pcap> <out.json> [decodes] [rounds]
 *
 * Peers: node_pcap, node_pcap-stdout, ewpcap-decode, ewpcap-fast (gopacket runs
 * as the Go program in bench/go/decodebench).
 *
 * Each round decodes `decodes` frames, cycling through the corpus in file order,
 * and reads what a monitor reads: the network addresses as strings and the ports
 * (decode(), node_pcap), or the source address and the ports without allocating
 * (the fast path, like gopacket's DecodingLayerParser). What is read goes into a
 * checksum, so the work cannot be optimised away, and into counts, so the peers
 * can be compared on what they saw.
 */
const fs = require('node:fs');
const path = require('node:path');

const [peer, corpusPath, outPath, decodesArg, roundsArg] = process.argv.slice(2);
const DECODES = Number(decodesArg ?? 500_000);
const ROUNDS = Number(roundsArg ?? 6);
const ROOT = path.resolve(__dirname, '..');

/** The frames of a classic pcap file, as views into the file's bytes (one Buffer each, as a capture hands them). */
function readClassicPcap(file) {
  const bytes = fs.readFileSync(file);
  const magic = bytes.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && bytes.readUInt32BE(0) !== 0xa1b2c3d4 && bytes.readUInt32BE(0) !== 0xa1b23c4d)
    throw new Error(`${file}: not a classic pcap file`);
  const u32 = (o) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const linktype = u32(20) & 0x0fffffff;
  const frames = [];
  const headers = [];
  for (let o = 24; o + 16 <= bytes.length;) {
    const caplen = u32(o + 8);
    const header = Buffer.alloc(16);
    // node_pcap's packet_with_header.header: tv_sec, tv_usec, caplen, len, little-endian.
    header.writeUInt32LE(u32(o), 0);
    header.writeUInt32LE(u32(o + 4), 4);
    header.writeUInt32LE(caplen, 8);
    header.writeUInt32LE(u32(o + 12), 12);
    headers.push(header);
    frames.push(bytes.subarray(o + 16, o + 16 + caplen));
    o += 16 + caplen;
  }
  return { linktype, frames, headers };
}

const corpus = readClassicPcap(corpusPath);

/**
 * A round maker: given the corpus, returns round(n) that decodes n frames and
 * returns { withIp, withPort, checksum, throws }.
 */
const peers = {
  node_pcap: nodePcap,
  'node_pcap-stdout': nodePcap,
  'ewpcap-decode': ewpcapDecode,
  'ewpcap-fast': ewpcapFast,
};

function nodePcap() {
  const pcap = require(path.join(__dirname, 'peers', 'node_modules', 'pcap'));
  const log = { lines: 0 };
  // node_pcap prints a line for every ethertype it does not know. The plain
  // 'node_pcap' row counts those lines instead of writing them (the strings are
  // still built: only the write is skipped); 'node_pcap-stdout' leaves
  // console.log alone and is run with its stdout on /dev/null.
  if (peer === 'node_pcap') console.log = () => void log.lines++;
  const packets = corpus.frames.map((buf, i) => ({
    buf,
    header: corpus.headers[i],
    link_type: 'LINKTYPE_ETHERNET',
  }));
  const n = packets.length;
  const thrown = new Map();
  return {
    log,
    thrown,
    round(count) {
      let withIp = 0;
      let withPort = 0;
      let checksum = 0;
      let throws = 0;
      for (let i = 0; i < count; i++) {
        const k = i % n;
        let p;
        try {
          p = pcap.decode.packet(packets[k]);
        } catch (e) {
          throws++;
          if (!thrown.has(k)) thrown.set(k, `${e?.constructor?.name}: ${e?.message}`);
          continue;
        }
        const net = p.payload?.payload;
        if (net && net.saddr !== undefined && net.daddr !== undefined) {
          withIp++;
          checksum = (checksum + net.saddr.toString().length + net.daddr.toString().length) | 0;
          const tr = net.payload;
          if (tr && tr.sport !== undefined) {
            withPort++;
            checksum = (checksum + tr.sport + tr.dport) | 0;
          }
        }
      }
      return { withIp, withPort, checksum, throws };
    },
  };
}

function ewpcapModule() {
  return require(path.join(ROOT, 'dist', 'decode'));
}

function ewpcapDecode() {
  const { decode } = ewpcapModule();
  const frames = corpus.frames;
  const linktype = corpus.linktype;
  const n = frames.length;
  const thrown = new Map();
  return {
    thrown,
    round(count) {
      let withIp = 0;
      let withPort = 0;
      let checksum = 0;
      let throws = 0;
      for (let i = 0; i < count; i++) {
        const k = i % n;
        let p;
        try {
          p = decode(linktype, frames[k]);
        } catch (e) {
          throws++;
          if (!thrown.has(k)) thrown.set(k, `${e?.constructor?.name}: ${e?.message}`);
          continue;
        }
        // What a monitor asks of each packet: the outermost IP addresses as
        // strings and the first TCP or UDP ports.
        const ip = p.layer('ipv4') ?? p.layer('ipv6');
        if (ip !== undefined) {
          withIp++;
          checksum = (checksum + ip.src.length + ip.dst.length) | 0;
          const tr = p.layer('tcp') ?? p.layer('udp');
          if (tr !== undefined) {
            withPort++;
            checksum = (checksum + tr.srcPort + tr.dstPort) | 0;
          }
        }
      }
      return { withIp, withPort, checksum, throws };
    },
  };
}

function ewpcapFast() {
  const { FlowDecoder } = ewpcapModule();
  const frames = corpus.frames;
  const linktype = corpus.linktype;
  const n = frames.length;
  const thrown = new Map();
  const decoder = new FlowDecoder();
  return {
    thrown,
    round(count) {
      let withIp = 0;
      let withPort = 0;
      let checksum = 0;
      let throws = 0;
      for (let i = 0; i < count; i++) {
        const k = i % n;
        let flow;
        try {
          flow = decoder.decode(linktype, frames[k]);
        } catch (e) {
          throws++;
          if (!thrown.has(k)) thrown.set(k, `${e?.constructor?.name}: ${e?.message}`);
          continue;
        }
        // The source address without formatting it (as gopacket's parser
        // hands a slice): its first and last byte; then the ports.
        if (flow.ipVersion !== 0) {
          withIp++;
          const bytes = flow.bytes;
          const at = flow.srcOffset;
          checksum = (checksum + bytes[at] + bytes[at + (flow.ipVersion === 4 ? 3 : 15)]) | 0;
          if (flow.srcPort >= 0) {
            withPort++;
            checksum = (checksum + flow.srcPort + flow.dstPort) | 0;
          }
        }
      }
      return { withIp, withPort, checksum, throws };
    },
  };
}

function main() {
  const make = peers[peer];
  if (!make) throw new Error(`unknown peer ${peer}`);
  const p = make();
  const rates = [];
  const cpuRates = [];
  let last;
  let checksum = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    last = p.round(DECODES);
    const ns = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(c0);
    rates.push(DECODES / (ns / 1e9));
    // Per CPU-second of the whole process (GC threads included): what other
    // work on the machine changes least.
    cpuRates.push(DECODES / ((cpu.user + cpu.system) / 1e6));
    checksum = (checksum + last.checksum) | 0;
  }
  const out = {
    peer,
    frames: corpus.frames.length,
    decodes: DECODES,
    rates,
    cpuRates,
    withIp: last.withIp,
    withPort: last.withPort,
    checksum,
    throwsPerRound: last.throws,
    throwingFrames: [...p.thrown.entries()].map(([k, why]) => ({ index: k, why })),
    linesPerRound: p.log ? p.log.lines / ROUNDS : undefined,
  };
  fs.writeFileSync(outPath, JSON.stringify(out));
}

main();
