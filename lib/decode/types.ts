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

import type {
  EthernetLayer,
  Ieee80211Layer,
  LlcLayer,
  NullLayer,
  RadiotapLayer,
  Sll2Layer,
  SllLayer,
  SnapLayer,
  VlanLayer,
} from './layers-link';
import type {
  AhLayer,
  ArpLayer,
  IcmpLayer,
  Icmpv6Layer,
  Ipv4Layer,
  Ipv6FragmentLayer,
  Ipv6Layer,
  Ipv6OptionsLayer,
  Ipv6RoutingLayer,
} from './layers-network';
import type { DnsLayer, GreLayer, SctpLayer, TcpLayer, UdpLayer, VxlanLayer } from './layers-upper';

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
  /** Why it stopped. */
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

/**
 * A checksum's verification, as tshark's `*.checksum.status`: 'unverified'
 * when the bytes it covers were cut by snaplen or the checksum is absent.
 */
export type ChecksumStatus = 'good' | 'bad' | 'unverified';

/** Fields every layer has. */
export interface LayerBase {
  /** Index in `bytes` of the layer's first byte. */
  readonly offset: number;
  /** Number of bytes this layer's header takes (its payload follows). */
  readonly length: number;
}

export * from './layers-link';
export * from './layers-network';
export * from './layers-upper';

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

/** A layer's `kind`: 'ethernet', 'ipv4', 'tcp', … */
export type LayerKind = Layer['kind'];

/** The layer type for a kind, e.g. `LayerOf<'tcp'>` is TcpLayer. */
export type LayerOf<K extends LayerKind> = Extract<
  Layer,
  {
    /** The kind to pick. */
    kind: K;
  }
>;

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
  /** Index in `bytes` of the destination address (4 or 16 bytes by ipVersion), -1 without IP. */
  readonly dstOffset: number;
  /** IPv4 source address as an unsigned 32-bit integer (0 for IPv6). */
  readonly src4: number;
  /** IPv4 destination address as an unsigned 32-bit integer (0 for IPv6). */
  readonly dst4: number;
  /** IP protocol (IPv6: after extension headers), -1 without IP. */
  readonly protocol: number;
  /** TCP/UDP/SCTP source port, -1 otherwise. */
  readonly srcPort: number;
  /** TCP/UDP/SCTP destination port, -1 otherwise. */
  readonly dstPort: number;
  /** TCP flags (12 bits), 0 otherwise. */
  readonly tcpFlags: number;
  /** IP total length (IPv4 total length; IPv6 40 + payload length), 0 without IP. */
  readonly ipLength: number;
  /** Index in `bytes` of the transport payload (or where decoding stopped). */
  readonly payloadOffset: number;
  /**
   * Bytes from payloadOffset to the end of the packet, or to where the IP
   * or UDP length ends it (link-layer padding excluded); 0 when none.
   */
  readonly payloadLength: number;
  /** 0 when the path decoded to the transport layer or its end; else a {@link FlowStop} code. */
  readonly stop: number;
  /** Source address formatted, '' without IP (allocates). */
  srcAddress(): string;
  /** Destination address formatted, '' without IP (allocates). */
  dstAddress(): string;
}

/** `flow.stop` codes. */
export const FlowStop = {
  /** Decoded through the transport header (or a network layer with no ports, e.g. ICMP). */
  ok: 0,
  /** A header runs past the captured bytes. */
  truncated: 1,
  /** A length field is impossible (IPv4 IHL < 5 or total length < header, TCP data offset < 5). */
  badLength: 2,
  /** A protocol the fast path does not walk (ARP, GRE, an unknown ethertype, …): use decode() for those. */
  unsupported: 3,
} as const;
