/**
 * ICMPv6 (RFC 4443) with the neighbour discovery body (RFC 4861): target
 * address, router advertisement timers, redirect destination and options.
 * The checksum covers the IPv6 pseudo-header.
 *
 * A decoded ICMPv6 layer covers the 8-byte header only (its ND body is in
 * what follows it, the payload), so the body is written from the fields only
 * for a layer built by hand, that is one without a `length`.
 */
import { invalid } from '../../errors';
import { writeHex, writeIpv6, writeMac } from './address';
import { internetChecksum, pseudoHeaderSum } from './checksum';
import {
  type EncodeContext,
  type LayerEncoder,
  enclosingIp,
  given,
  put16,
  put32,
  sourceRange,
  uint,
  wrap,
} from './context';
import type { Icmpv6Input, NdpOptionInput } from './types';

function optionBytes(option: NdpOptionInput, i: number, ctx: EncodeContext): Uint8Array {
  const field = `icmpv6.ndpOptions[${i}]`;
  let body: Uint8Array | undefined;
  if (option.linkLayerAddress !== undefined && (option.length === undefined || option.length === 8)) {
    body = new Uint8Array(6);
    writeMac(option.linkLayerAddress, body, 0, field + '.linkLayerAddress');
  } else if (option.linkLayerAddress !== undefined && option.data === undefined) {
    body = new Uint8Array(option.length! - 2);
    writeHex(option.linkLayerAddress, body, 0, field + '.linkLayerAddress', body.length);
  } else {
    body =
      option.data ??
      (option.offset !== undefined && option.length !== undefined
        ? sourceRange(ctx, option.offset + 2, option.offset + option.length)
        : undefined);
  }
  if (body === undefined) throw invalid(`${field}: give linkLayerAddress or data`);
  const length = Math.ceil((2 + body.length) / 8) * 8;
  if (length > 255 * 8) throw invalid(`${field}: ${body.length} bytes do not fit an option`);
  const out = new Uint8Array(length);
  out[0] = uint(option.type, 8, field + '.type');
  out[1] = length / 8;
  out.set(body, 2);
  return out;
}

/** The ND body after the 8-byte header, for a layer built by hand. */
function ndBody(layer: Icmpv6Input, ctx: EncodeContext): Uint8Array {
  const parts: Uint8Array[] = [];
  const t = layer.type;
  if (t === 134) {
    const timers = new Uint8Array(8);
    put32(timers, 0, uint(layer.reachableTime ?? 0, 32, 'icmpv6.reachableTime'));
    put32(timers, 4, uint(layer.retransTimer ?? 0, 32, 'icmpv6.retransTimer'));
    parts.push(timers);
  }
  if (t >= 135 && t <= 137) {
    if (layer.targetAddress === undefined) throw invalid(`icmpv6.targetAddress: type ${t} needs one`);
    const target = new Uint8Array(t === 137 ? 32 : 16);
    writeIpv6(layer.targetAddress, target, 0, 'icmpv6.targetAddress');
    if (t === 137) {
      if (layer.destinationAddress === undefined) throw invalid('icmpv6.destinationAddress: a redirect needs one');
      writeIpv6(layer.destinationAddress, target, 16, 'icmpv6.destinationAddress');
    }
    parts.push(target);
  }
  (layer.ndpOptions ?? []).forEach((o, i) => parts.push(optionBytes(o, i, ctx)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const encodeIcmpv6: LayerEncoder<Icmpv6Input> = (layer, inner, ctx) => {
  const body = layer.length === undefined ? ndBody(layer, ctx) : new Uint8Array(0);
  const out = wrap(8 + body.length, inner);
  out.set(body, 8);
  out[0] = uint(layer.type, 8, 'icmpv6.type');
  out[1] = uint(layer.code ?? 0, 8, 'icmpv6.code');
  put32(out, 4, uint(layer.restOfHeader ?? 0, 32, 'icmpv6.restOfHeader'));
  let checksum = given(layer.checksum, ctx);
  if (checksum === undefined) {
    const ip = enclosingIp(ctx, 'icmpv6.checksum');
    checksum = internetChecksum(out, 0, out.length, pseudoHeaderSum(ip.src, ip.dst, 58, out.length));
  }
  put16(out, 2, uint(checksum, 16, 'icmpv6.checksum'));
  return out;
};
