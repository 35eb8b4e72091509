/**
 * `ewpcap/decode`: typed, zero-copy protocol decoders for packets from any
 * source (no native addon needed). See docs/DECODE.md.
 */
export { decode } from './decoder';
export { LinkType } from './protocols';
export * from './types';
