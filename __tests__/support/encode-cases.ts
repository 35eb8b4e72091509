/**
 * Frames built by encode() from layers given by hand, one or more of every
 * layer kind: encode.test.ts builds and decodes them, decode-tshark.test.ts
 * has tshark read them (for the fields ../shared/captures never carries:
 * SCTP, DNS addresses, SACK blocks, the IPv6 fragment header).
 */
import { LinkType, type LayerInput } from '../../lib/decode';

export const MAC_A = '02:00:00:00:00:0a';
export const MAC_B = '02:00:00:00:00:0b';
export const payload = Uint8Array.from(Buffer.from('payload bytes'));

export interface Case {
  name: string;
  linkType: number;
  layers: LayerInput[];
  payload?: Uint8Array;
}

const dnsResponse: LayerInput = {
  kind: 'dns',
  id: 0x1234,
  flags: 0x8180,
  questions: [{ name: 'www.example.com', type: 1, class: 1 }],
  answers: [
    { name: 'www.example.com', type: 5, class: 1, ttl: 300, data: 'web.example.com' },
    { name: 'web.example.com', type: 1, class: 1, ttl: 60, data: '192.0.2.7' },
    { name: 'web.example.com', type: 28, class: 1, ttl: 60, data: '2001:db8::7' },
  ],
  additionals: [
    { name: 'a\\.b.example.com', type: 16, class: 1, ttl: 5, rdata: Uint8Array.from([3, 0x61, 0x62, 0x63]) },
  ],
};

export const cases: Case[] = [
  {
    name: 'Ethernet / IPv4 with options / TCP SYN with options',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      {
        kind: 'ipv4',
        src: '192.0.2.1',
        dst: '198.51.100.2',
        ttl: 61,
        id: 4242,
        dontFragment: true,
        options: Uint8Array.from([0x94, 4, 0, 0]),
      },
      {
        kind: 'tcp',
        srcPort: 40000,
        dstPort: 443,
        seq: 0xfffffff0,
        flags: 0x002,
        window: 64240,
        mss: 1460,
        sackPermitted: true,
        tsval: 123456,
        tsecr: 0,
        windowScale: 7,
      },
    ],
  },
  {
    name: 'Ethernet / IPv4 / TCP ACK with SACK blocks and data',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      { kind: 'ipv4', src: '192.0.2.1', dst: '198.51.100.2' },
      { kind: 'tcp', srcPort: 40000, dstPort: 443, seq: 1, ack: 2, flags: 0x018, sackBlocks: [100, 200, 300, 400] },
    ],
    payload,
  },
  {
    name: 'Ethernet / 802.1ad / 802.1Q / IPv6 / UDP / DNS response with compression',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      { kind: 'vlan', tpid: 0x88a8, id: 100, priority: 5 },
      { kind: 'vlan', id: 200, dei: true },
      { kind: 'ipv6', src: '2001:db8::1', dst: '2001:db8:1::53', hopLimit: 60, flowLabel: 0x12345, trafficClass: 0x20 },
      { kind: 'udp', srcPort: 53, dstPort: 33333 },
      dnsResponse,
    ],
  },
  {
    name: 'Ethernet / IPv4 / ICMP echo request',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'icmp', type: 8, identifier: 77, sequence: 3 },
    ],
    payload,
  },
  {
    name: 'Ethernet / IPv6 / hop-by-hop / ICMPv6 neighbour solicitation',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: '33:33:ff:00:00:02', src: MAC_A },
      { kind: 'ipv6', src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 },
      { kind: 'ipv6-hop-by-hop', options: Uint8Array.from([5, 2, 0, 0]) },
      { kind: 'icmpv6', type: 135, targetAddress: 'fe80::2', ndpOptions: [{ type: 1, linkLayerAddress: MAC_A }] },
    ],
  },
  {
    name: 'Ethernet / IPv6 / ICMPv6 router advertisement with a prefix option',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: '33:33:00:00:00:01', src: MAC_A },
      { kind: 'ipv6', src: 'fe80::1', dst: 'ff02::1', hopLimit: 255 },
      {
        kind: 'icmpv6',
        type: 134,
        restOfHeader: 0x40001800,
        reachableTime: 30000,
        retransTimer: 1000,
        ndpOptions: [
          { type: 1, linkLayerAddress: MAC_A },
          {
            type: 3,
            data: Uint8Array.from([
              64, 0xc0, 0, 0, 0x0e, 0x10, 0, 0, 0x07, 0x08, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0,
              0, 0, 0, 0,
            ]),
          },
        ],
      },
    ],
  },
  {
    name: 'Ethernet / ARP request',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: 'ff:ff:ff:ff:ff:ff', src: MAC_A },
      {
        kind: 'arp',
        opcode: 1,
        senderHardware: MAC_A,
        senderProtocol: '192.0.2.1',
        targetHardware: '00:00:00:00:00:00',
        targetProtocol: '192.0.2.2',
      },
    ],
  },
  {
    name: '802.3 / LLC / SNAP / IPv4 / UDP',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      { kind: 'llc', dsap: 0xaa, ssap: 0xaa, control: 3 },
      { kind: 'snap', oui: 0 },
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'udp', srcPort: 1000, dstPort: 2000 },
    ],
    payload,
  },
  {
    name: 'LINUX_SLL / IPv4 / UDP',
    linkType: LinkType.LINUX_SLL,
    layers: [
      { kind: 'sll', packetType: 4, arphrdType: 1, address: MAC_A },
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'udp', srcPort: 1000, dstPort: 2000 },
    ],
    payload,
  },
  {
    name: 'LINUX_SLL2 / IPv6 / TCP',
    linkType: LinkType.LINUX_SLL2,
    layers: [
      { kind: 'sll2', packetType: 0, arphrdType: 1, interfaceIndex: 3, address: MAC_B },
      { kind: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' },
      { kind: 'tcp', srcPort: 22, dstPort: 50000, seq: 10, ack: 20, flags: 0x010 },
    ],
    payload,
  },
  {
    name: 'NULL / IPv4 / ICMP',
    linkType: LinkType.NULL,
    layers: [
      { kind: 'null', family: 2 },
      { kind: 'ipv4', src: '127.0.0.1', dst: '127.0.0.1' },
      { kind: 'icmp', type: 0, identifier: 1, sequence: 1 },
    ],
  },
  {
    name: 'LOOP / IPv6 / UDP',
    linkType: LinkType.LOOP,
    layers: [
      { kind: 'null', family: 24, loop: true },
      { kind: 'ipv6', src: '::1', dst: '::1' },
      { kind: 'udp', srcPort: 1, dstPort: 2 },
    ],
    payload,
  },
  {
    name: 'radiotap / 802.11 QoS data / LLC / SNAP / IPv4 / UDP',
    linkType: LinkType.IEEE802_11_RADIO,
    layers: [
      {
        kind: 'radiotap',
        tsft: 123456789n,
        flags: 0,
        rate: 12,
        channelFrequency: 2437,
        channelFlags: 0xa0,
        antennaSignal: -42,
        antenna: 1,
      },
      {
        kind: 'ieee80211',
        type: 2,
        subtype: 8,
        flags: 0x01,
        duration: 44,
        addr1: MAC_B,
        addr2: MAC_A,
        addr3: '02:00:00:00:00:0c',
        sequence: 1234,
        fragment: 0,
        qosControl: 5,
      },
      { kind: 'llc', dsap: 0xaa, ssap: 0xaa },
      { kind: 'snap' },
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'udp', srcPort: 5000, dstPort: 6000 },
    ],
    payload,
  },
  {
    name: 'RAW IPv4 / GRE with checksum, key and sequence / IPv4 / UDP',
    linkType: LinkType.RAW,
    layers: [
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'gre', checksum: undefined, flagsVersion: 0xb000, key: 0xabcdef, sequence: 9 },
      { kind: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
      { kind: 'udp', srcPort: 7, dstPort: 8 },
    ],
    payload,
  },
  {
    name: 'RAW IPv4 / IPv4 (IP in IP) / ICMP echo reply',
    linkType: LinkType.RAW,
    layers: [
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'ipv4', src: '10.1.0.1', dst: '10.1.0.2', ttl: 9 },
      { kind: 'icmp', type: 0, identifier: 5, sequence: 6 },
    ],
    payload,
  },
  {
    name: 'Ethernet / IPv4 / GRE (transparent Ethernet bridging) / Ethernet / IPv6 / UDP',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'gre' },
      { kind: 'ethernet', dst: '02:00:00:00:02:0b', src: '02:00:00:00:02:0a' },
      { kind: 'ipv6', src: '2001:db8::c', dst: '2001:db8::d' },
      { kind: 'udp', srcPort: 3000, dstPort: 4000 },
    ],
    payload,
  },
  {
    name: 'Ethernet / IPv4 / UDP / VXLAN / Ethernet / IPv6 / TCP',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'udp', srcPort: 55555, dstPort: 4789 },
      { kind: 'vxlan', vni: 0x123456 },
      { kind: 'ethernet', dst: '02:00:00:00:01:0b', src: '02:00:00:00:01:0a' },
      { kind: 'ipv6', src: '2001:db8::a', dst: '2001:db8::b' },
      { kind: 'tcp', srcPort: 1, dstPort: 2, flags: 0x011 },
    ],
  },
  {
    name: 'IPv6 in IPv4 / routing / fragment / destination options / AH / TCP',
    linkType: LinkType.RAW,
    layers: [
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      { kind: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' },
      { kind: 'ipv6-routing', routingType: 0, segmentsLeft: 0, addresses: ['2001:db8::3'] },
      { kind: 'ipv6-fragment', identification: 0xdeadbeef },
      { kind: 'ipv6-destination' },
      { kind: 'ah', spi: 0x100, sequence: 1, icv: new Uint8Array(12).fill(0xee) },
      { kind: 'tcp', srcPort: 1, dstPort: 2, flags: 0x002 },
    ],
  },
  {
    name: 'IPv6 / routing type 0 with a segment left / UDP: the checksum uses the final destination',
    linkType: LinkType.RAW,
    layers: [
      { kind: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' },
      { kind: 'ipv6-routing', routingType: 0, segmentsLeft: 1, addresses: ['2001:db8::3'] },
      { kind: 'udp', srcPort: 1, dstPort: 2 },
    ],
    payload,
  },
  {
    name: 'IPv6 / segment routing header / TCP: the final destination is the first segment',
    linkType: LinkType.RAW,
    layers: [
      { kind: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' },
      { kind: 'ipv6-routing', routingType: 4, segmentsLeft: 1, addresses: ['2001:db8::9', '2001:db8::2'] },
      { kind: 'tcp', srcPort: 1, dstPort: 2, flags: 0x002 },
    ],
  },
  {
    name: 'Ethernet / IPv4 / SCTP with INIT and DATA chunks',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
      {
        kind: 'sctp',
        srcPort: 2905,
        dstPort: 2905,
        verificationTag: 0,
        chunks: [
          { type: 1, value: Uint8Array.from([0, 0, 0, 1, 0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 0, 1]) },
          { type: 0, flags: 3, value: Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x61]) },
        ],
      },
    ],
  },
  {
    name: 'Ethernet / IPv4 / TCP / DNS query over TCP',
    linkType: LinkType.EN10MB,
    layers: [
      { kind: 'ethernet', dst: MAC_B, src: MAC_A },
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.53' },
      { kind: 'tcp', srcPort: 40001, dstPort: 53, seq: 1, ack: 1, flags: 0x018 },
      { kind: 'dns', id: 7, flags: 0x0100, questions: [{ name: 'example.org', type: 28 }] },
    ],
  },
];
