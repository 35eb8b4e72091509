/**
 * The link-layer types of `ewpcap/decode`, re-exported by types.ts, which
 * states the API contract.
 */
import type { LayerBase } from './types';

// ---------------------------------------------------------------- link layers

/** Ethernet II or IEEE 802.3 header. */
export interface EthernetLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'ethernet';
  /** Destination MAC address. tshark: eth.dst. */
  readonly dst: string;
  /** Source MAC address. tshark: eth.src. */
  readonly src: string;
  /** Ethertype (≥ 0x0600), or the 802.3 length field (≤ 1500) in which case an `llc` layer follows. tshark: eth.type / eth.len. */
  readonly type: number;
}

/** An 802.1Q (0x8100), 802.1ad (0x88a8) or 0x9100 tag; stacked tags are successive `vlan` layers. */
export interface VlanLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
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
  /** Discriminant of {@link Layer}. */
  readonly kind: 'llc';
  /** Destination service access point (0xaa for SNAP). tshark: llc.dsap. */
  readonly dsap: number;
  /** Source service access point. tshark: llc.ssap. */
  readonly ssap: number;
  /** Control field: 1 byte for U frames, 2 bytes for I/S frames. */
  readonly control: number;
}

/** SNAP header after an LLC with DSAP = SSAP = 0xaa. */
export interface SnapLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'snap';
  /** Organisationally unique identifier (24 bits). */
  readonly oui: number;
  /** Protocol id: an ethertype when `oui` is 0. */
  readonly protocolId: number;
}

/** LINUX_SLL (Linux cooked capture v1) header. */
export interface SllLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
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
  /** Discriminant of {@link Layer}. */
  readonly kind: 'sll2';
  /** Ethertype, or a Linux protocol number for non-Ethernet payloads. tshark: sll.etype / sll.ltype. */
  readonly protocol: number;
  /** Index of the interface the packet was captured on. tshark: sll.ifindex. */
  readonly interfaceIndex: number;
  /** ARPHRD_ type of the device. tshark: sll.hatype. */
  readonly arphrdType: number;
  /** 0 to us, 1 broadcast, 2 multicast, 3 other host, 4 outgoing. tshark: sll.pkttype. */
  readonly packetType: number;
  /** Link-layer address length (0..8 meaningful). tshark: sll.halen. */
  readonly addressLength: number;
  /** Link-layer source address, colon-separated hex of `addressLength` bytes (at most 8). */
  readonly address: string;
}

/** NULL (host byte order family) or LOOP (network byte order family) header. */
export interface NullLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'null';
  /** Address family (AF_INET = 2; AF_INET6 = 24, 28 or 30 depending on the OS). tshark: null.family. */
  readonly family: number;
  /** Whether the link type was LOOP (family in network byte order). */
  readonly loop: boolean;
}

/** Radiotap header (IEEE802_11_RADIO). Fields absent from the header are undefined. */
export interface RadiotapLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'radiotap';
  /** Header revision, always 0 (another value stops decoding with 'bad-value'). tshark: radiotap.version. */
  readonly version: number;
  /** it_present, first word. */
  readonly present: number;
  /** MAC timestamp in microseconds (TSFT). tshark: radiotap.mactime. */
  readonly tsft: bigint | undefined;
  /** Radiotap flags (0x10: frame has a 4-byte FCS at its end). */
  readonly flags: number | undefined;
  /** Rate in 500 kb/s units. */
  readonly rate: number | undefined;
  /** Channel frequency in MHz. tshark: radiotap.channel.freq. */
  readonly channelFrequency: number | undefined;
  /** Channel flags (0x0080 2 GHz, 0x0100 5 GHz, …). tshark: radiotap.channel.flags. */
  readonly channelFlags: number | undefined;
  /** Signal power at the antenna in dBm (signed). tshark: radiotap.dbm_antsignal. */
  readonly antennaSignal: number | undefined;
  /** Noise power at the antenna in dBm (signed). tshark: radiotap.dbm_antnoise. */
  readonly antennaNoise: number | undefined;
  /** Index of the antenna that received the frame. tshark: radiotap.antenna. */
  readonly antenna: number | undefined;
}

/** 802.11 MAC header. Addresses the frame does not carry are undefined. */
export interface Ieee80211Layer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'ieee80211';
  /** Frame control field as on the wire (first byte: subtype/type/version, second: flags). */
  readonly frameControl: number;
  /** 0 management, 1 control, 2 data, 3 extension. tshark: wlan.fc.type. */
  readonly type: number;
  /** tshark: wlan.fc.subtype. */
  readonly subtype: number;
  /** Flags byte: 0x01 toDS, 0x02 fromDS, 0x04 more fragments, 0x08 retry, 0x40 protected, 0x80 +HTC/order. */
  readonly flags: number;
  /** Duration/ID field, little-endian. tshark: wlan.duration. */
  readonly duration: number;
  /** Address 1 (the receiver), always present. */
  readonly addr1: string;
  /** Address 2 (the transmitter), when the frame carries it. */
  readonly addr2: string | undefined;
  /** Address 3, when the frame carries it (management and data frames). */
  readonly addr3: string | undefined;
  /** Address 4, only in data frames with both DS bits set. */
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
  /** Fragment number (management and data frames). tshark: wlan.frag. */
  readonly fragment: number | undefined;
  /** QoS control for QoS data subtypes. */
  readonly qosControl: number | undefined;
}
