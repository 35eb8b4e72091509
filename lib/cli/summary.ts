/**
 * One line and the decoded fields of a packet, for `capture` and `read`.
 *
 * This is the command's only contact with decoding: `describe()` is where the
 * decoder of `ewpcap/decode` plugs in (its summary line and its layers). Until
 * then it reads the few layers a first look needs (Ethernet, 802.1Q, ARP,
 * IPv4, IPv6, TCP, UDP, ICMP, ICMPv6), in the form of `tcpdump -n -q`, with
 * the decoder's layer and field names, and stops quietly at anything else.
 */
export interface Described {
  /** `tcpdump -n -q`'s line without the time. */
  line: string;
  /** The layers decoded, outermost first: plain objects named as `ewpcap/decode` names them. */
  layers: Array<Record<string, unknown> & { kind: string }>;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;

const hex2 = (b: number) => b.toString(16).padStart(2, '0');

function mac(bytes: Uint8Array, at: number): string {
  return Array.from(bytes.subarray(at, at + 6), hex2).join(':');
}

function ipv4(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/** RFC 5952: lower case, leading zeros dropped, the longest run of two or more zero groups as `::`. */
function ipv6(bytes: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[at + 2 * i]! << 8) | bytes[at + 2 * i + 1]!);
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const text = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (best < 0) return text(groups);
  return `${text(groups.slice(0, best))}::${text(groups.slice(best + bestLength))}`;
}

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) => (u16(b, at) * 65536 + u16(b, at + 2)) >>> 0;

const ICMP6_TYPES: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded',
  128: 'echo request',
  129: 'echo reply',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  143: 'multicast listener report v2',
};

export function describe(
  linktype: number,
  bytes: Uint8Array,
  start: number,
  caplen: number,
  length: number,
): Described {
  const end = start + caplen;
  const layers: Described['layers'] = [];
  let at = start;
  let type: number;
  let linkLine = '';
  if (linktype === LINKTYPE_ETHERNET) {
    if (caplen < 14) return { line: `truncated Ethernet frame, length ${length}`, layers };
    const src = mac(bytes, at + 6);
    const dst = mac(bytes, at);
    type = u16(bytes, at + 12);
    layers.push({ kind: 'ethernet', src, dst, type });
    at += 14;
    while ((type === 0x8100 || type === 0x88a8) && at + 4 <= end) {
      const tci = u16(bytes, at);
      layers.push({ kind: 'vlan', tpid: type, priority: tci >> 13, id: tci & 0xfff, type: u16(bytes, at + 2) });
      linkLine += `vlan ${tci & 0xfff}, `;
      type = u16(bytes, at + 2);
      at += 4;
    }
    linkLine = `${src} > ${dst}, ${linkLine}`;
  } else if (linktype === LINKTYPE_RAW) {
    type = caplen > 0 && bytes[at]! >> 4 === 6 ? 0x86dd : 0x0800;
  } else {
    return { line: `link-type ${linktype}, length ${length}`, layers };
  }
  if (type === 0x0806 && at + 28 <= end) {
    const opcode = u16(bytes, at + 6);
    const arp = {
      kind: 'arp',
      opcode,
      senderHardware: mac(bytes, at + 8),
      senderProtocol: ipv4(bytes, at + 14),
      targetHardware: mac(bytes, at + 18),
      targetProtocol: ipv4(bytes, at + 24),
    };
    layers.push(arp);
    const what =
      opcode === 1
        ? `Request who-has ${arp.targetProtocol} tell ${arp.senderProtocol}`
        : opcode === 2
          ? `Reply ${arp.senderProtocol} is-at ${arp.senderHardware}`
          : `opcode ${opcode}`;
    return { line: `ARP, ${what}, length ${end - at}`, layers };
  }
  let family: string;
  let src: string;
  let dst: string;
  let protocol: number;
  let payloadEnd: number;
  let extension = '';
  if (type === 0x0800 && at + 20 <= end) {
    const headerLength = (bytes[at]! & 0xf) * 4;
    const totalLength = u16(bytes, at + 2);
    src = ipv4(bytes, at + 12);
    dst = ipv4(bytes, at + 16);
    protocol = bytes[at + 9]!;
    layers.push({ kind: 'ipv4', src, dst, protocol, ttl: bytes[at + 8], totalLength });
    family = 'IP';
    payloadEnd = Math.min(end, at + totalLength);
    if ((u16(bytes, at + 6) & 0x1fff) !== 0) {
      return {
        line: `IP ${src} > ${dst}: ip-proto-${protocol} fragment, length ${totalLength - headerLength}`,
        layers,
      };
    }
    at += headerLength;
  } else if (type === 0x86dd && at + 40 <= end) {
    src = ipv6(bytes, at + 8);
    dst = ipv6(bytes, at + 24);
    protocol = bytes[at + 6]!;
    const payloadLength = u16(bytes, at + 4);
    layers.push({ kind: 'ipv6', src, dst, nextHeader: protocol, hopLimit: bytes[at + 7], payloadLength });
    family = 'IP6';
    payloadEnd = Math.min(end, at + 40 + payloadLength);
    at += 40;
    // Hop-by-hop and destination options: skipped over, as tcpdump names them.
    while ((protocol === 0 || protocol === 60) && at + 8 <= end) {
      extension += protocol === 0 ? 'HBH ' : 'DSTOPT ';
      layers.push({ kind: protocol === 0 ? 'ipv6-hop-by-hop' : 'ipv6-destination', nextHeader: bytes[at] });
      protocol = bytes[at]!;
      at += (bytes[at + 1]! + 1) * 8;
    }
  } else {
    const name = type === 0x0800 ? 'IP' : type === 0x86dd ? 'IP6' : `ethertype 0x${type.toString(16).padStart(4, '0')}`;
    return { line: `${linkLine}${name}, length ${length}`, layers };
  }
  const ip = `${family} ${src} > ${dst}:`;
  const rest = payloadEnd - at;
  if (protocol === 6 && at + 20 <= end) {
    const tcp = { kind: 'tcp', srcPort: u16(bytes, at), dstPort: u16(bytes, at + 2), seq: u32(bytes, at + 4) };
    const headerLength = (bytes[at + 12]! >> 4) * 4;
    Object.assign(tcp, { ack: u32(bytes, at + 8), flags: u16(bytes, at + 12) & 0x1ff, window: u16(bytes, at + 14) });
    layers.push(tcp);
    const line = `${family} ${src}.${tcp.srcPort} > ${dst}.${tcp.dstPort}: ${extension}tcp ${rest - headerLength}`;
    return { line, layers };
  }
  if (protocol === 17 && at + 8 <= end) {
    const udp = { kind: 'udp', srcPort: u16(bytes, at), dstPort: u16(bytes, at + 2), udpLength: u16(bytes, at + 4) };
    layers.push(udp);
    return {
      line: `${family} ${src}.${udp.srcPort} > ${dst}.${udp.dstPort}: ${extension}UDP, length ${udp.udpLength - 8}`,
      layers,
    };
  }
  if (protocol === 1 && at + 8 <= end) {
    const icmpType = bytes[at]!;
    const code = bytes[at + 1]!;
    layers.push({ kind: 'icmp', type: icmpType, code });
    let what = `type ${icmpType}, code ${code}`;
    if (icmpType === 8 || icmpType === 0) {
      what = `echo ${icmpType === 8 ? 'request' : 'reply'}, id ${u16(bytes, at + 4)}, seq ${u16(bytes, at + 6)}`;
    } else if (icmpType === 3 && code === 3 && at + 8 + 28 <= end && bytes[at + 8 + 9] === 17) {
      const inner = at + 8;
      const innerHeader = (bytes[inner]! & 0xf) * 4;
      what = `${ipv4(bytes, inner + 16)} udp port ${u16(bytes, inner + innerHeader + 2)} unreachable`;
    }
    return { line: `${ip} ${extension}ICMP ${what}, length ${rest}`, layers };
  }
  if (protocol === 58 && at + 4 <= end) {
    const icmpType = bytes[at]!;
    const icmp6 = { kind: 'icmpv6', type: icmpType, code: bytes[at + 1]! };
    let what = ICMP6_TYPES[icmpType] ?? `type ${icmpType}`;
    if ((icmpType === 135 || icmpType === 136) && at + 24 <= end) {
      const target = ipv6(bytes, at + 8);
      Object.assign(icmp6, { targetAddress: target });
      what += icmpType === 135 ? `, who has ${target}` : `, tgt is ${target}`;
    } else if (icmpType === 143 && at + 8 <= end) {
      what += `, ${u16(bytes, at + 6)} group record(s)`;
    }
    layers.push(icmp6);
    return { line: `${ip} ${extension}ICMP6, ${what}, length ${rest}`, layers };
  }
  return { line: `${ip} ${extension}ip-proto-${protocol} ${rest}`, layers };
}
