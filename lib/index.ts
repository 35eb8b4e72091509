/**
 * ewpcap for Node.js: libpcap packet capture and injection, with every
 * blocking call on a worker thread.
 */
export { open, CaptureSocket, type Stats } from './socket';
export { dev, getifaddrs, libVersion } from './devices';
export type { Interface, InterfaceAddress, InterfaceFlags, AddressFamily, ConnectionStatus } from './devices';
export { PacketBatch, type Packet, type Timestamp, type TimeOf, type Precision } from './batch';
export { PcapError, ErrorCode } from './errors';
export type { OpenOptions, FilterOptions, Timeout, TimeUnit, Direction } from './options';
export { DEFAULTS } from './options';
