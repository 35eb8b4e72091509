/**
 * One line per packet, in the spirit of `tcpdump -n -q`:
 *
 *   [time ]FAMILY src[.port] > dst[.port]: PROTOCOL[ [flags]][ details], length N[ [error]]
 *
 * - time: `HH:MM:SS.ffffff` (local time, as tcpdump; UTC with `utc: true`;
 *   nine digits for a nanosecond bigint), omitted when no time is given.
 * - FAMILY: `IP`, `IP6`, `ARP`, or the link when no network layer decoded
 *   (`ether` with MAC addresses and the ethertype, `802.11` with the frame type).
 * - For tunnels the innermost IP packet is described.
 * - PROTOCOL: `TCP` (flags as tcpdump: S F R P . U E W, e.g. `[S.]`), `UDP`,
 *   `SCTP`, `ICMP`/`ICMP6` (with the type name), or `proto N`.
 * - length: the transport payload for TCP/UDP/SCTP (as tcpdump -q), the
 *   IP payload otherwise, the frame's captured length for other frames.
 * - A decoding error is appended in brackets: `[truncated tcp]`.
 */
import type { DecodedPacket, Layer, LayerOf, TcpLayer } from './types';

/** Options of {@link summary}. */
export interface SummaryOptions {
  /**
   * The packet's time: `{ sec, usec }` (ewpcap's 'timestamp' unit), a number
   * of microseconds ('microsecond'), or a bigint of nanoseconds ('nanosecond').
   */
  time?:
    | {
        /** Whole seconds since the epoch. */
        sec: number;
        /** Microseconds past `sec`. */
        usec: number;
      }
    | number
    | bigint;
  /** Print the time in UTC rather than local time. */
  utc?: boolean;
}

const ICMP_NAMES: Record<number, string> = {
  0: 'echo reply',
  3: 'unreachable',
  5: 'redirect',
  8: 'echo request',
  11: 'time exceeded',
  12: 'parameter problem',
  13: 'timestamp request',
  14: 'timestamp reply',
};

const ICMP6_NAMES: Record<number, string> = {
  1: 'unreachable',
  2: 'packet too big',
  3: 'time exceeded',
  4: 'parameter problem',
  128: 'echo request',
  129: 'echo reply',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  137: 'redirect',
};

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function formatTime(time: NonNullable<SummaryOptions['time']>, utc: boolean): string {
  let seconds: number;
  let fraction: string;
  if (typeof time === 'bigint') {
    seconds = Number(time / 1_000_000_000n);
    fraction = String(time % 1_000_000_000n).padStart(9, '0');
  } else if (typeof time === 'number') {
    seconds = Math.floor(time / 1e6);
    fraction = String(time - seconds * 1e6).padStart(6, '0');
  } else {
    seconds = time.sec;
    fraction = String(time.usec).padStart(6, '0');
  }
  const d = new Date(seconds * 1000);
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  return `${two(h)}:${two(m)}:${two(s)}.${fraction}`;
}

/** TCP flags as tcpdump prints them: S F R P U E W, and `.` for ACK. */
export function tcpFlagString(tcp: TcpLayer): string {
  const f = tcp.flags;
  let s = '';
  if (f & 0x002) s += 'S';
  if (f & 0x001) s += 'F';
  if (f & 0x004) s += 'R';
  if (f & 0x008) s += 'P';
  if (f & 0x020) s += 'U';
  if (f & 0x040) s += 'E';
  if (f & 0x080) s += 'W';
  if (f & 0x010) s += '.';
  return s.length > 0 ? s : 'none';
}

function innermost(p: DecodedPacket): { ip: LayerOf<'ipv4'> | LayerOf<'ipv6'> | undefined; after: Layer[] } {
  const layers = p.layers;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    if (l.kind === 'ipv4' || l.kind === 'ipv6') return { ip: l, after: layers.slice(i + 1) };
  }
  return { ip: undefined, after: [] };
}

function ipSummary(p: DecodedPacket, ip: LayerOf<'ipv4'> | LayerOf<'ipv6'>, after: Layer[]): string {
  const family = ip.kind === 'ipv4' ? 'IP' : 'IP6';
  const ipPayload = Math.max(0, p.payloadEnd - (ip.offset + ip.length));
  const t = after.find(
    (l) => l.kind === 'tcp' || l.kind === 'udp' || l.kind === 'sctp' || l.kind === 'icmp' || l.kind === 'icmpv6',
  );
  if (t === undefined) {
    const proto =
      ip.kind === 'ipv4'
        ? ip.protocol
        : ((after.length > 0 ? (after[after.length - 1] as { nextHeader?: number }).nextHeader : undefined) ??
          ip.nextHeader);
    const fragment = ip.kind === 'ipv4' && ip.fragmentOffset !== 0 ? ` fragment offset ${ip.fragmentOffset * 8}` : '';
    return `${family} ${ip.src} > ${ip.dst}: proto ${proto}${fragment}, length ${ipPayload}`;
  }
  const payload = Math.max(0, p.payloadEnd - p.payloadOffset);
  switch (t.kind) {
    case 'tcp':
      return `${family} ${ip.src}.${t.srcPort} > ${ip.dst}.${t.dstPort}: TCP [${tcpFlagString(t)}], length ${payloadAfter(p, t)}`;
    case 'udp':
      return `${family} ${ip.src}.${t.srcPort} > ${ip.dst}.${t.dstPort}: UDP, length ${payloadAfter(p, t)}`;
    case 'sctp':
      return `${family} ${ip.src}.${t.srcPort} > ${ip.dst}.${t.dstPort}: SCTP, length ${payloadAfter(p, t)}`;
    case 'icmp': {
      const name = ICMP_NAMES[t.type] ?? `type ${t.type}`;
      return `${family} ${ip.src} > ${ip.dst}: ICMP ${name}, length ${payload + 8}`;
    }
    case 'icmpv6': {
      const name = ICMP6_NAMES[t.type] ?? `type ${t.type}`;
      return `${family} ${ip.src} > ${ip.dst}: ICMP6 ${name}, length ${payload + 8}`;
    }
  }
  return `${family} ${ip.src} > ${ip.dst}, length ${ipPayload}`;
}

/** The bytes after a transport header, bounded by what its length fields allow. */
function payloadAfter(p: DecodedPacket, t: Layer): number {
  const end = t.kind === 'udp' ? Math.min(p.end, t.offset + Math.max(8, t.udpLength)) : p.payloadEnd;
  return Math.max(0, end - (t.offset + t.length));
}

function linkSummary(p: DecodedPacket): string {
  const arp = p.lastLayer('arp');
  if (arp !== undefined) {
    const op =
      arp.opcode === 1
        ? `Request who-has ${arp.targetProtocol} tell ${arp.senderProtocol}`
        : arp.opcode === 2
          ? `Reply ${arp.senderProtocol} is-at ${arp.senderHardware}`
          : `opcode ${arp.opcode}`;
    return `ARP, ${op}, length ${arp.length}`;
  }
  const wlan = p.lastLayer('ieee80211');
  if (wlan !== undefined) {
    const kind = ['mgmt', 'ctrl', 'data', 'ext'][wlan.type]!;
    return `802.11 ${wlan.transmitter ?? '?'} > ${wlan.receiver}: ${kind} subtype ${wlan.subtype}, length ${p.end - p.start}`;
  }
  const eth = p.lastLayer('ethernet');
  if (eth !== undefined) {
    const vlan = p.lastLayer('vlan');
    const type = vlan?.type ?? eth.type;
    const what = type <= 1500 ? `802.3, length field ${type}` : `ethertype 0x${type.toString(16).padStart(4, '0')}`;
    return `ether ${eth.src} > ${eth.dst}: ${what}, length ${p.end - p.start}`;
  }
  const first = p.layers[0];
  return `${first?.kind ?? 'link ' + p.linkType}, length ${p.end - p.start}`;
}

/** The packet's one-line summary (format above; documented in docs/DECODE.md). */
export function summary(p: DecodedPacket, options: SummaryOptions = {}): string {
  const { ip, after } = innermost(p);
  let line = ip !== undefined ? ipSummary(p, ip, after) : linkSummary(p);
  if (p.error !== null) line += ` [${p.error.reason} ${p.error.layer}]`;
  return options.time === undefined ? line : `${formatTime(options.time, options.utc === true)} ${line}`;
}
