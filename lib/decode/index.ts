/**
 * `ewpcap/decode`: typed, zero-copy protocol decoders for packets from any
 * source (no native addon needed). See docs/DECODE.md.
 */
export { decode } from './decoder';
export { FlowDecoder } from './flow';
export { summary, tcpFlagString, type SummaryOptions } from './summary';
export { LinkType } from './protocols';
export * from './types';
// The encoder (lib/decode/encode/): layers of these shapes back to frame bytes.
export { encode, crc32c, internetChecksum, pseudoHeaderSum } from './encode';
export type * from './encode/types';
