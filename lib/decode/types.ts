/**
 * The public types of `ewpcap/decode`.
 *
 * API contract
 * ------------
 * - `decode(linkType, bytes, offset?, length?)` never throws for any input
 *   (a bad `linkType` or a range outside `bytes` is reported as data, like
 *   malformed packets) and never reads outside `bytes[offset, offset+length)`.
 *   It returns a {@link DecodedPacket}: every layer that decoded, outermost
 *   first, and `error`, which says at which layer decoding stopped and why.
 * - Zero-copy: layers keep the packet's `bytes` and offsets into it. Every
 *   `offset` in this API is an index into the `bytes` given to decode(), not
 *   relative to the packet's start (they are the same when `offset` was 0).
 *   Views (`header`, `payload`, `options`, …) are `subarray`s made when read.
 *   Addresses (`src`, `dst`, …) are formatted to strings when read, as tshark
 *   prints them: MAC `aa:bb:cc:dd:ee:ff`, IPv4 dotted quad, IPv6 RFC 5952.
 *   The bytes must not change while a decoded packet is in use.
 * - Layers are a discriminated union on `kind` ({@link Layer}); narrow with
 *   `layer.kind === 'tcp'` or use `packet.layer('tcp')`. Layer objects are
 *   plain readonly data: the encoder (`ewpcap/decode` `encode`) accepts
 *   objects of these shapes (without `offset`/`length`) as well as decoded
 *   layers.
 * - Optional fields are `undefined` when the packet does not carry them
 *   (e.g. `tcp.mss` without an MSS option).
 * - Checksums are verified lazily: `checksumStatus` is computed when read
 *   ('good' | 'bad', or 'unverified' when the bytes it covers were cut by
 *   snaplen or the checksum is absent/zero where that is allowed).
 * - The fast path ({@link FlowDecoder}, in flow.ts) answers "addresses,
 *   protocol and ports" without allocating: it fills one reused {@link Flow}.
 */

/** Why decoding stopped before the end of the packet. */
export type DecodeErrorReason =
  /** The layer's header (or a field it announces) runs past the captured bytes. */
  | 'truncated'
  /** A length field is impossible (e.g. IPv4 IHL < 5, UDP length < 8, chunk length < 4). */
  | 'bad-length'
  /** A field has a value the layer cannot be decoded with (e.g. IP version 7 in an IPv4 header). */
  | 'bad-value'
  /** The next protocol is named (ethertype, IP protocol, link type) but not one this decoder knows. */
  | 'unknown-type'
  /** A DNS name compression pointer loop, or tunnels nested deeper than {@link MAX_LAYERS}. */
  | 'loop';

/** Where and why decoding stopped; the layers before it are in `packet.layers`. */
export interface DecodeError {
  /** The layer that could not be decoded (or, for 'unknown-type', the layer whose next-protocol field was unknown). */
  readonly layer: LayerKind | 'link';
  readonly reason: DecodeErrorReason;
  /** Index in `bytes` where the failing layer starts (or the unknown payload starts). */
  readonly offset: number;
  /** For 'unknown-type': the unknown ethertype, IP protocol or link type. Otherwise undefined. */
  readonly type: number | undefined;
  /** One line for people, e.g. "tcp: header truncated: 20 bytes needed, 12 captured". */
  readonly message: string;
}

/** The maximum number of layers decoded in one packet (nested tunnels beyond it stop with 'loop'). */
export const MAX_LAYERS = 32;

export type ChecksumStatus = 'good' | 'bad' | 'unverified';

/** Fields every layer has. */
export interface LayerBase {
  /** Index in `bytes` of the layer's first byte. */
  readonly offset: number;
  /** Number of bytes this layer's header takes (its payload follows). */
  readonly length: number;
}

// ---------------------------------------------------------------- link layers

/** Ethernet II or IEEE 802.3 header. */
export interface EthernetLayer extends LayerBase {
  readonly kind: 'ethernet';
  readonly dst: string;
  readonly src: string;
  /** Ethertype (≥ 0x0600), or the 802.3 length field (≤ 1500) in which case an `llc` layer follows. tshark: eth.type / eth.len. */
  readonly type: number;
}

/** An 802.1Q (0x8100), 802.1ad (0x88a8) or 0x9100 tag; stacked tags are successive `vlan` layers. */
export interface VlanLayer extends LayerBase {
  readonly kind: 'vlan';
  /** The ethertype that announced this tag (0x8100, 0x88a8, 0x9100). */
  readonly tpid: number;
  /** Priority code point, 0..7. */
  readonly priority: number;
  /** Drop eligible indicator (formerly CFI). */
  readonly dei: boolean;
  /** VLAN id, 0..4095. */
  readonly id: number;
  /** The ethertype (or 802.3 length) that follows the tag. */
  readonly type: number;
}

/** IEEE 802.2 LLC header (after an 802.3 length, or in 802.11 data frames). */
export interface LlcLayer extends LayerBase {
  readonly kind: 'llc';
  readonly dsap: number;
  readonly ssap: number;
  /** Control field: 1 byte for U frames, 2 bytes for I/S frames. */
  readonly control: number;
}

/** SNAP header after an LLC with DSAP = SSAP = 0xaa. */
export interface SnapLayer extends LayerBase {
  readonly kind: 'snap';
  /** Organisationally unique identifier (24 bits). */
  readonly oui: number;
  /** Protocol id: an ethertype when `oui` is 0. */
  readonly protocolId: number;
}

/** LINUX_SLL (Linux cooked capture v1) header. */
export interface SllLayer extends LayerBase {
  readonly kind: 'sll';
  /** 0 to us, 1 broadcast, 2 multicast, 3 other host, 4 outgoing. tshark: sll.pkttype. */
  readonly packetType: number;
  /** ARPHRD_ type of the device. tshark: sll.hatype. */
  readonly arphrdType: number;
  /** Link-layer address length (0..8 meaningful). tshark: sll.halen. */
  readonly addressLength: number;
  /** Link-layer source address, colon-separated hex of `addressLength` bytes (at most 8). */
  readonly address: string;
  /** Ethertype, or a Linux protocol number for non-Ethernet payloads. tshark: sll.etype / sll.ltype. */
  readonly protocol: number;
}

/** LINUX_SLL2 (Linux cooked capture v2) header. */
export interface Sll2Layer extends LayerBase {
  readonly kind: 'sll2';
  readonly protocol: number;
  readonly interfaceIndex: number;
  readonly arphrdType: number;
  readonly packetType: number;
  readonly addressLength: number;
  readonly address: string;
}

/** NULL (host byte order family) or LOOP (network byte order family) header. */
export interface NullLayer extends LayerBase {
  readonly kind: 'null';
  /** Address family (AF_INET = 2; AF_INET6 = 24, 28 or 30 depending on the OS). tshark: null.family. */
  readonly family: number;
  /** Whether the link type was LOOP (family in network byte order). */
  readonly loop: boolean;
}

/** Radiotap header (IEEE802_11_RADIO). Fields absent from the header are undefined. */
export interface RadiotapLayer extends LayerBase {
  readonly kind: 'radiotap';
  readonly version: number;
  /** it_present, first word. */
  readonly present: number;
  readonly tsft: bigint | undefined;
  /** Radiotap flags (0x10: frame has a 4-byte FCS at its end). */
  readonly flags: number | undefined;
  /** Rate in 500 kb/s units. */
  readonly rate: number | undefined;
  readonly channelFrequency: number | undefined;
  readonly channelFlags: number | undefined;
  readonly antennaSignal: number | undefined;
  readonly antennaNoise: number | undefined;
  readonly antenna: number | undefined;
}

/** 802.11 MAC header. Addresses the frame does not carry are undefined. */
export interface Ieee80211Layer extends LayerBase {
  readonly kind: 'ieee80211';
  /** Frame control field as on the wire (first byte: subtype/type/version, second: flags). */
  readonly frameControl: number;
  /** 0 management, 1 control, 2 data, 3 extension. tshark: wlan.fc.type. */
  readonly type: number;
  /** tshark: wlan.fc.subtype. */
  readonly subtype: number;
  /** Flags byte: 0x01 toDS, 0x02 fromDS, 0x04 more fragments, 0x08 retry, 0x40 protected, 0x80 +HTC/order. */
  readonly flags: number;
  readonly duration: number;
  readonly addr1: string;
  readonly addr2: string | undefined;
  readonly addr3: string | undefined;
  readonly addr4: string | undefined;
  /** Receiver (addr1). tshark: wlan.ra. */
  readonly receiver: string;
  /** Transmitter (addr2), when present. tshark: wlan.ta. */
  readonly transmitter: string | undefined;
  /** Source address by the DS bits (management and data frames). tshark: wlan.sa. */
  readonly source: string | undefined;
  /** Destination address by the DS bits (management and data frames). tshark: wlan.da. */
  readonly destination: string | undefined;
  /** BSSID by the DS bits, undefined with both DS bits set. tshark: wlan.bssid. */
  readonly bssid: string | undefined;
  /** Sequence number (management and data frames). */
  readonly sequence: number | undefined;
  readonly fragment: number | undefined;
  /** QoS control for QoS data subtypes. */
  readonly qosControl: number | undefined;
}

// ------------------------------------------------------------- network layers

export interface ArpLayer extends LayerBase {
  readonly kind: 'arp';
  readonly hardwareType: number;
  readonly protocolType: number;
  readonly hardwareLength: number;
  readonly protocolLength: number;
  /** 1 request, 2 reply, … tshark: arp.opcode. */
  readonly opcode: number;
  /** Formatted as MAC when hardwareLength is 6 and as IPv4 when protocolLength is 4; else colon-separated hex. */
  readonly senderHardware: string;
  readonly senderProtocol: string;
  readonly targetHardware: string;
  readonly targetProtocol: string;
}

/** An IPv4 or TCP option: its kind, its total length (1 for one-byte options) and where it is. */
export interface OptionEntry {
  readonly type: number;
  readonly length: number;
  readonly offset: number;
}

export interface Ipv4Layer extends LayerBase {
  readonly kind: 'ipv4';
  readonly version: number;
  /** Header length in bytes (IHL × 4). */
  readonly headerLength: number;
  readonly dscp: number;
  readonly ecn: number;
  readonly totalLength: number;
  readonly id: number;
  /** The 3 flag bits: 0x4 reserved, 0x2 don't fragment, 0x1 more fragments. */
  readonly flags: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Fragment offset in 8-byte units, as on the wire. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  /** Header checksum status, verified when read. */
  readonly checksumStatus: ChecksumStatus;
  readonly src: string;
  readonly dst: string;
  /** Source and destination as unsigned 32-bit integers (no allocation). */
  readonly srcInt: number;
  readonly dstInt: number;
  /** The options bytes (view; empty without options). */
  readonly options: Uint8Array;
  /** The options, parsed (a new array each read). */
  readonly optionList: readonly OptionEntry[];
}

export interface Ipv6Layer extends LayerBase {
  readonly kind: 'ipv6';
  readonly version: number;
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  /** Next header field of the fixed header (an extension header's kind or the upper protocol). */
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: string;
  readonly dst: string;
}

/** Hop-by-hop (0) or destination options (60) extension header. */
export interface Ipv6OptionsLayer extends LayerBase {
  readonly kind: 'ipv6-hop-by-hop' | 'ipv6-destination';
  readonly nextHeader: number;
  /** The options area (view, after next header and length bytes). */
  readonly options: Uint8Array;
}

export interface Ipv6RoutingLayer extends LayerBase {
  readonly kind: 'ipv6-routing';
  readonly nextHeader: number;
  readonly routingType: number;
  readonly segmentsLeft: number;
  /** For type 0 and segment routing (4): the addresses carried; empty otherwise. */
  readonly addresses: readonly string[];
}

export interface Ipv6FragmentLayer extends LayerBase {
  readonly kind: 'ipv6-fragment';
  readonly nextHeader: number;
  /** In 8-byte units. */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
  readonly identification: number;
}

/** Authentication header (IPv6 extension header 51, also after IPv4). */
export interface AhLayer extends LayerBase {
  readonly kind: 'ah';
  readonly nextHeader: number;
  readonly spi: number;
  readonly sequence: number;
  /** Integrity check value (view). */
  readonly icv: Uint8Array;
}

export interface IcmpLayer extends LayerBase {
  readonly kind: 'icmp';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  /** Over the ICMP message (header and payload). */
  readonly checksumStatus: ChecksumStatus;
  /** Bytes 4..7 of the header (identifier and sequence for echo). */
  readonly restOfHeader: number;
  /** For echo request/reply (8/0) and timestamps: identifier and sequence; else undefined. */
  readonly identifier: number | undefined;
  readonly sequence: number | undefined;
}

/** A neighbour discovery option (type, length in bytes, offset of the option). */
export interface NdpOption {
  readonly type: number;
  readonly length: number;
  readonly offset: number;
  /** For source/target link-layer address options (1, 2) of 8 bytes: the MAC address. */
  readonly linkLayerAddress: string | undefined;
  /** The option's bytes after its type and length (view). */
  readonly data: Uint8Array;
}

export interface Icmpv6Layer extends LayerBase {
  readonly kind: 'icmpv6';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  /** Over the pseudo-header and the message. */
  readonly checksumStatus: ChecksumStatus;
  readonly restOfHeader: number;
  /** Neighbour solicitation/advertisement (135/136) and redirect (137): the target address. */
  readonly targetAddress: string | undefined;
  /** Redirect (137): the destination address. */
  readonly destinationAddress: string | undefined;
  /** Router advertisement (134): reachable time and retransmission timer, in ms. */
  readonly reachableTime: number | undefined;
  readonly retransTimer: number | undefined;
  /** Neighbour discovery options (router solicitation/advertisement, NS, NA, redirect); empty otherwise. */
  readonly ndpOptions: readonly NdpOption[];
}

// ----------------------------------------------------------- transport layers

export interface TcpLayer extends LayerBase {
  readonly kind: 'tcp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** Header length in bytes (data offset × 4). */
  readonly headerLength: number;
  /** The 12 flag bits; test them with {@link TcpFlag} (`tcp.flags & TcpFlag.syn`). tshark: tcp.flags. */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  /** Over the pseudo-header, header and payload; 'unverified' when the segment was cut by snaplen. */
  readonly checksumStatus: ChecksumStatus;
  readonly urgentPointer: number;
  /** The options bytes (view). */
  readonly options: Uint8Array;
  /** The options, parsed (a new array each read). */
  readonly optionList: readonly OptionEntry[];
  readonly mss: number | undefined;
  readonly windowScale: number | undefined;
  readonly sackPermitted: boolean;
  /** SACK blocks as [left, right, left, right, …]; undefined without a SACK option. */
  readonly sackBlocks: readonly number[] | undefined;
  readonly tsval: number | undefined;
  readonly tsecr: number | undefined;
}

/** TCP flag bits, for `tcp.flags & TcpFlag.syn`. */
export const TcpFlag = {
  fin: 0x001,
  syn: 0x002,
  rst: 0x004,
  psh: 0x008,
  ack: 0x010,
  urg: 0x020,
  ece: 0x040,
  cwr: 0x080,
  /** AE (accurate ECN, RFC 9768; formerly NS). */
  ae: 0x100,
} as const;

export interface UdpLayer extends LayerBase {
  readonly kind: 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  /** The UDP length field. */
  readonly udpLength: number;
  readonly checksum: number;
  /** 'unverified' when the checksum is 0 over IPv4 (none sent) or the datagram was cut. */
  readonly checksumStatus: ChecksumStatus;
}

export interface SctpChunk {
  readonly type: number;
  readonly flags: number;
  /** The chunk length field (without padding). */
  readonly length: number;
  readonly offset: number;
  /** The chunk's bytes after its 4-byte header, up to its length or the captured end (view). */
  readonly value: Uint8Array;
}

export interface SctpLayer extends LayerBase {
  readonly kind: 'sctp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly verificationTag: number;
  readonly checksum: number;
  readonly chunks: readonly SctpChunk[];
}

// -------------------------------------------------------------------- tunnels

export interface GreLayer extends LayerBase {
  readonly kind: 'gre';
  /** The first 16 bits: C, R, K, S, s flags, recursion, flags, version. */
  readonly flagsVersion: number;
  readonly version: number;
  /** Ethertype of the payload (0x6558: Ethernet, 0x0800 IPv4, 0x86dd IPv6). */
  readonly protocol: number;
  readonly checksum: number | undefined;
  readonly key: number | undefined;
  readonly sequence: number | undefined;
}

export interface VxlanLayer extends LayerBase {
  readonly kind: 'vxlan';
  readonly flags: number;
  /** VXLAN network identifier (24 bits). */
  readonly vni: number;
}

// ---------------------------------------------------------------- application

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface DnsResource {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** RDATA offset and length in `bytes`. */
  readonly dataOffset: number;
  readonly dataLength: number;
  /** A and AAAA: the address; CNAME, NS, PTR: the name; otherwise undefined. */
  readonly data: string | undefined;
}

export interface DnsLayer extends LayerBase {
  readonly kind: 'dns';
  /** Over TCP: the 2-byte message length that precedes the message (at `offset - 2`); undefined over UDP. */
  readonly tcpLength: number | undefined;
  readonly id: number;
  /** The 16-bit flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). tshark: dns.flags. */
  readonly flags: number;
  readonly isResponse: boolean;
  readonly opcode: number;
  readonly rcode: number;
  readonly questionCount: number;
  readonly answerCount: number;
  readonly authorityCount: number;
  readonly additionalCount: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsResource[];
  readonly authorities: readonly DnsResource[];
  readonly additionals: readonly DnsResource[];
}

/** Every layer this decoder produces, discriminated on `kind`. */
export type Layer =
  | EthernetLayer
  | VlanLayer
  | LlcLayer
  | SnapLayer
  | SllLayer
  | Sll2Layer
  | NullLayer
  | RadiotapLayer
  | Ieee80211Layer
  | ArpLayer
  | Ipv4Layer
  | Ipv6Layer
  | Ipv6OptionsLayer
  | Ipv6RoutingLayer
  | Ipv6FragmentLayer
  | AhLayer
  | IcmpLayer
  | Icmpv6Layer
  | TcpLayer
  | UdpLayer
  | SctpLayer
  | GreLayer
  | VxlanLayer
  | DnsLayer;

export type LayerKind = Layer['kind'];

/** The layer type for a kind, e.g. `LayerOf<'tcp'>` is TcpLayer. */
export type LayerOf<K extends LayerKind> = Extract<Layer, { kind: K }>;

/** What decode() returns. */
export interface DecodedPacket {
  /** The link type (DLT_/LINKTYPE_ value) it was decoded as. */
  readonly linkType: number;
  /** The bytes given to decode(); every offset is an index into them. */
  readonly bytes: Uint8Array;
  /** Index of the packet's first byte in `bytes`. */
  readonly start: number;
  /** Index after the packet's last captured byte in `bytes`. */
  readonly end: number;
  /** Every layer decoded, outermost first (tunnels: outer headers, then inner). */
  readonly layers: readonly Layer[];
  /** Why decoding stopped early, or null when every layer named decoded. */
  readonly error: DecodeError | null;
  /**
   * Index in `bytes` of the payload after the last decoded layer (the
   * application data, or the undecoded rest after an error).
   */
  readonly payloadOffset: number;
  /**
   * Index after the payload's last byte: the end of the captured bytes or
   * less, when a length field (IPv4 total length, IPv6 payload length, UDP
   * length) says the rest is link-layer padding or trailer.
   */
  readonly payloadEnd: number;
  /** bytes[payloadOffset, payloadEnd) as a view. */
  readonly payload: Uint8Array;
  /** bytes[payloadEnd, end): padding or trailer after the outermost length-bounded layer (view; often empty). */
  readonly trailer: Uint8Array;
  /** The first (outermost) layer of a kind. */
  layer<K extends LayerKind>(kind: K): LayerOf<K> | undefined;
  /** The last (innermost) layer of a kind. */
  lastLayer<K extends LayerKind>(kind: K): LayerOf<K> | undefined;
}

// ------------------------------------------------------------------ fast path

/**
 * What the fast path reports, in one reused object. Numbers only: nothing is
 * allocated per packet. Fields that the packet lacks are -1 (ports, vlan) or 0.
 * The address getters/methods format on demand (they allocate the string).
 */
export interface Flow {
  /** The bytes of the last packet decoded (reference, no copy). */
  readonly bytes: Uint8Array;
  /** Link-layer type. */
  readonly linkType: number;
  /** The innermost ethertype seen (0 when none, e.g. RAW). */
  readonly etherType: number;
  /** The outermost VLAN id, -1 without a tag. */
  readonly vlan: number;
  /** 4, 6, or 0 when no IP header decoded. */
  readonly ipVersion: number;
  /** Index in `bytes` of the source address (4 or 16 bytes by ipVersion), -1 without IP. */
  readonly srcOffset: number;
  readonly dstOffset: number;
  /** IPv4 source/destination as unsigned 32-bit integers (0 for IPv6). */
  readonly src4: number;
  readonly dst4: number;
  /** IP protocol (IPv6: after extension headers), -1 without IP. */
  readonly protocol: number;
  /** TCP/UDP/SCTP ports, -1 otherwise. */
  readonly srcPort: number;
  readonly dstPort: number;
  /** TCP flags (12 bits), 0 otherwise. */
  readonly tcpFlags: number;
  /** IP total length (IPv4 total length; IPv6 40 + payload length), 0 without IP. */
  readonly ipLength: number;
  /** Index in `bytes` of the transport payload (or where decoding stopped). */
  readonly payloadOffset: number;
  readonly payloadLength: number;
  /** 0 when the path decoded to the transport layer or its end; else a {@link FlowStop} code. */
  readonly stop: number;
  /** Source address formatted (allocates). */
  srcAddress(): string;
  dstAddress(): string;
}

/** `flow.stop` codes. */
export const FlowStop = {
  /** Decoded through the transport header (or a network layer with no ports, e.g. ICMP). */
  ok: 0,
  truncated: 1,
  badLength: 2,
  /** A protocol the fast path does not walk (ARP, GRE, an unknown ethertype, …): use decode() for those. */
  unsupported: 3,
} as const;
