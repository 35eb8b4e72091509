/**
 * The decoded packet, which is also the decoding state the layer decoders
 * share (cursor, bound, error): one object per packet, no closures.
 */
import type { DecodeError, DecodeErrorReason, DecodedPacket, Layer, LayerKind, LayerOf } from './types';

class DecodeErrorData implements DecodeError {
  constructor(
    readonly layer: LayerKind | 'link',
    readonly reason: DecodeErrorReason,
    readonly offset: number,
    readonly type: number | undefined,
    /** @internal The message after "layer: ", or '' for a truncated header (made from need/have when read). */
    readonly detail: string,
    /** @internal */ readonly need: number,
    /** @internal */ readonly have: number,
  ) {}

  /** Built when read: truncated packets are common and most callers never print the message. */
  get message(): string {
    const what =
      this.detail !== '' ? this.detail : `header truncated: ${this.need} bytes needed, ${this.have} available`;
    return this.layer + ': ' + what;
  }

  toJSON(): DecodeError {
    const { layer, reason, offset, type, message } = this;
    return { layer, reason, offset, type, message };
  }
}

export class Packet implements DecodedPacket {
  readonly layers: Layer[] = [];
  error: DecodeError | null = null;
  /** Where the next layer starts; the payload offset once decoding ends. */
  payloadOffset: number;
  /** The bound of the current layer's bytes (a length field may lower it below `end`). */
  payloadEnd: number;
  /**
   * @internal The IP header the current transport layer is carried in
   * (offset of its source address and the address length), for the
   * pseudo-header of TCP/UDP/ICMPv6 checksums; -1 outside IP.
   */
  ipAddrOffset = -1;
  /** @internal Offset of the destination the pseudo-header uses (IPv6: the final one of a routing header). */
  ipDstOffset = -1;
  /** @internal 4 or 16. */
  ipAddrLength = 0;
  /** @internal Where the IP header says its payload ends (may be past `end` when snaplen cut it). */
  ipDeclaredEnd = 0;
  /** @internal The last ethertype dispatched on (a VLAN tag's TPID). */
  etherType = 0;

  constructor(
    readonly linkType: number,
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly end: number,
  ) {
    this.payloadOffset = start;
    this.payloadEnd = end;
  }

  get payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, Math.max(this.payloadOffset, this.payloadEnd));
  }

  get trailer(): Uint8Array {
    return this.bytes.subarray(Math.min(this.payloadEnd, this.end), this.end);
  }

  layer<K extends LayerKind>(kind: K): LayerOf<K> | undefined {
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) if (layers[i]!.kind === kind) return layers[i] as LayerOf<K>;
    return undefined;
  }

  lastLayer<K extends LayerKind>(kind: K): LayerOf<K> | undefined {
    const layers = this.layers;
    for (let i = layers.length - 1; i >= 0; i--) if (layers[i]!.kind === kind) return layers[i] as LayerOf<K>;
    return undefined;
  }

  /** @internal Records why decoding stops; returns END so decoders can `return p.fail(…)`. */
  fail(layer: LayerKind | 'link', reason: DecodeErrorReason, offset: number, message: string, type?: number): 0 {
    this.error = new DecodeErrorData(layer, reason, offset, type, message, 0, 0);
    this.payloadOffset = offset;
    return 0;
  }

  /** @internal A header of `need` bytes at `offset` does not fit in the captured bytes: fail as truncated. */
  truncated(layer: LayerKind | 'link', offset: number, need: number): 0 {
    const have = Math.max(0, this.payloadEnd - offset);
    this.error = new DecodeErrorData(layer, 'truncated', offset, undefined, '', need, have);
    this.payloadOffset = offset;
    return 0;
  }
}
