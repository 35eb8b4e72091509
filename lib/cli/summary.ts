/**
 * One line and the decoded fields of a packet, for `capture` and `read`:
 * the decoder's summary (`ewpcap/decode`, in the spirit of `tcpdump -n -q`)
 * and its layers as plain JSON-ready objects.
 */
import { decode, summary, type Layer } from '../decode';

export interface Described {
  /** The summary line without the time. */
  line: string;
  /** The layers decoded, outermost first, with the fields `ewpcap/decode` names. */
  layers: Array<Record<string, unknown>>;
  /** Where and why decoding stopped early, if it did: "tcp: header truncated: ...". */
  error?: string;
}

export function describe(linktype: number, bytes: Uint8Array, start: number, caplen: number): Described {
  const packet = decode(linktype, bytes, start, caplen);
  const described: Described = { line: summary(packet), layers: packet.layers.map((l) => plain(l, start)) };
  if (packet.error) described.error = packet.error.message;
  return described;
}

/**
 * A layer's public fields as data. Layers compute their fields lazily, in
 * getters on their prototype. Own properties are kind, offset, length, a few
 * fields stored as read, and the decoder's bookkeeping (the bytes, offsets
 * and ends of related headers), which is left out.
 */
function plain(layer: Layer, start: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names = new Set<string>(Object.keys(layer).filter((k) => !INTERNAL.test(k)));
  for (
    let proto = Object.getPrototypeOf(layer);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) if (d.get) names.add(name);
  }
  for (const name of names) {
    const value = (layer as unknown as Record<string, unknown>)[name];
    if (value === undefined || typeof value === 'function' || value instanceof Uint8Array) continue;
    out[name] = jsonValue(name, value, start);
  }
  return out;
}

const INTERNAL = /^bytes$|.(Offset|End|AddrLength)$/;

/** Offsets become the packet's (the decoder's are into the whole batch); bigints strings. */
function jsonValue(name: string, value: unknown, start: number): unknown {
  if (name === 'offset' && typeof value === 'number') return value - start;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => jsonValue('', v, start));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!(v instanceof Uint8Array)) out[k] = jsonValue(k, v, start);
    return out;
  }
  return value;
}
