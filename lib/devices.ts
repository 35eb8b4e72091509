/**
 * Device functions: libVersion(), dev() and getifaddrs(). The device scan
 * (pcap_findalldevs) runs on the libuv thread pool, never on the main
 * thread; the addon hands back raw address bytes that are formatted here.
 */
import { ErrorCode, PcapError, toPcapError } from './errors';
import { native, type NativeSocketAddress } from './native';

/** An address's family: IPv4 (AF_INET), IPv6 (AF_INET6) or link layer (AF_PACKET or AF_LINK). */
export type AddressFamily = 'inet' | 'inet6' | 'link';
/** libpcap's PCAP_IF_CONNECTION_STATUS bits of a device; 'not-applicable' for devices such as loopback. */
export type ConnectionStatus = 'unknown' | 'connected' | 'disconnected' | 'not-applicable';

/** One address of a device (an entry of pcap_if_t's addresses), formatted as `addr` is. */
export interface InterfaceAddress {
  /** The address family, which also says how addr and the others are written. */
  family: AddressFamily;
  /** IPv4 dotted quad, IPv6 in RFC 5952 form, or a link-layer address as aa:bb:cc:dd:ee:ff. */
  addr: string;
  /** The netmask, when libpcap gives one. */
  netmask?: string;
  /** The broadcast address, when libpcap gives one. */
  broadaddr?: string;
  /** The peer's address on a point-to-point link, when libpcap gives one. */
  dstaddr?: string;
  /** IPv6 scope (interface index) of link-local addresses. */
  scopeId?: number;
}

/** A device's flags, from pcap_if_t's PCAP_IF_* bits. */
export interface InterfaceFlags {
  /** PCAP_IF_LOOPBACK: a loopback device. */
  loopback: boolean;
  /** PCAP_IF_UP: the device is up. */
  up: boolean;
  /** PCAP_IF_RUNNING: the device is running (its link is operational). */
  running: boolean;
  /** PCAP_IF_WIRELESS: a wireless device (Wi-Fi, Bluetooth, ...). */
  wireless: boolean;
  /** Whether the device is connected to a network (PCAP_IF_CONNECTION_STATUS). */
  connectionStatus: ConnectionStatus;
}

/** A capture device as pcap_findalldevs lists it (see {@link getifaddrs}). */
export interface Interface {
  /** The name to open it by, e.g. 'eth0' or 'any'. */
  name: string;
  /** libpcap's description, or '' when it has none. */
  description: string;
  /** Its PCAP_IF_* flags. */
  flags: InterfaceFlags;
  /** Its addresses, in libpcap's order; possibly none. */
  addresses: InterfaceAddress[];
}

// PCAP_IF_* from pcap/pcap.h.
const IF_LOOPBACK = 0x1;
const IF_UP = 0x2;
const IF_RUNNING = 0x4;
const IF_WIRELESS = 0x8;
const IF_CONNECTION_STATUS = 0x30;
const CONNECTION_STATUS: Record<number, ConnectionStatus> = {
  0x00: 'unknown',
  0x10: 'connected',
  0x20: 'disconnected',
  0x30: 'not-applicable',
};

/** The version string of the libpcap in use, e.g. "libpcap version 1.10.3 (with TPACKET_V3)". */
export function libVersion(): string {
  try {
    return native.libVersion();
  } catch (e) {
    throw toPcapError(e);
  }
}

/** Every device libpcap can open, in libpcap's order. */
export async function getifaddrs(): Promise<Interface[]> {
  let devices;
  try {
    devices = await native.findAllDevices();
  } catch (e) {
    throw toPcapError(e);
  }
  return devices.map((d) => ({
    name: d.name,
    description: d.description,
    flags: {
      loopback: (d.flags & IF_LOOPBACK) !== 0,
      up: (d.flags & IF_UP) !== 0,
      running: (d.flags & IF_RUNNING) !== 0,
      wireless: (d.flags & IF_WIRELESS) !== 0,
      connectionStatus: CONNECTION_STATUS[d.flags & IF_CONNECTION_STATUS]!,
    },
    addresses: d.addresses.map((a) => {
      const out: InterfaceAddress = { family: a.addr.family, addr: formatAddress(a.addr) };
      if (a.netmask) out.netmask = formatAddress(a.netmask);
      if (a.broadaddr) out.broadaddr = formatAddress(a.broadaddr);
      if (a.dstaddr) out.dstaddr = formatAddress(a.dstaddr);
      if (a.addr.scopeId) out.scopeId = a.addr.scopeId;
      return out;
    }),
  }));
}

/** The default device: the first one libpcap lists. Rejects with ENODEV when there is none. */
export async function dev(): Promise<string> {
  const devices = await native.findAllDevices().catch((e: unknown) => {
    throw toPcapError(e);
  });
  const first = devices[0];
  if (!first) throw new PcapError(ErrorCode.ENODEV, 'no capture device found (pcap_findalldevs listed none)');
  return first.name;
}

export function formatAddress(a: NativeSocketAddress): string {
  const b = a.bytes;
  if (a.family === 'inet') return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (a.family === 'link') return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
  return formatIPv6(b);
}

/** RFC 5952: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
