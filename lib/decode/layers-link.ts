/**
 * The link-layer types of `ewpcap/decode`, re-exported by types.ts, which
 * states the API contract.
 */
import type { LayerBase } from './types';

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
