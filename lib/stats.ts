/** Plain records that capture handles report: counters and link/timestamp types. */

/** A capture's counters, as libpcap's `pcap_stats()` gives them (tcpdump's closing figures). */
export interface Stats {
  /** Packets received by the filter since the capture opened ("received by filter"). */
  recv: number;
  /** Packets the kernel dropped for lack of buffer space ("dropped by kernel"). */
  drop: number;
  /** Packets dropped by the network interface or its driver, where the platform reports it. */
  ifdrop: number;
  /** Packets the capture thread took from libpcap and passed on (counted by ewpcap, as ewpcap's `capt`). */
  capt: number;
}

/** A link type (DLT_ value) or a timestamp type: libpcap's value, name and description. */
export interface Datalink {
  /** The number, e.g. 1 for Ethernet. */
  value: number;
  /** libpcap's name, e.g. 'EN10MB'. */
  name: string;
  /** libpcap's description, e.g. 'Ethernet'. */
  description: string;
}

/** A timestamp type (clock source) of a device: same shape as a link type. */
export type TimestampType = Datalink;
