/**
 * IPv6 (RFC 8200): the fixed header, and the extension headers hop-by-hop,
 * routing, fragment, destination options and AH (RFC 4302).
 */
import { invalid } from '../../errors';
import { writeIpv6 } from './address';
import { type LayerEncoder, given, givenType, nextIpProtocol, put16, put32, sourceRange, uint, wrap } from './context';
import type { AhInput, Ipv6FragmentInput, Ipv6Input, Ipv6OptionsInput, Ipv6RoutingInput } from './types';

export const encodeIpv6: LayerEncoder<Ipv6Input> = (layer, inner, ctx) => {
  const out = wrap(40, inner);
  const trafficClass = uint(layer.trafficClass ?? 0, 8, 'ipv6.trafficClass');
  const flowLabel = uint(layer.flowLabel ?? 0, 20, 'ipv6.flowLabel');
  put32(out, 0, ((uint(layer.version ?? 6, 4, 'ipv6.version') << 28) | (trafficClass << 20) | flowLabel) >>> 0);
  // Over 65535 bytes (a jumbogram, RFC 2675, or Linux BIG TCP) the field is 0.
  const payloadLength = inner.length > 0xffff ? 0 : inner.length;
  put16(out, 4, uint(given(layer.payloadLength, ctx) ?? payloadLength, 16, 'ipv6.payloadLength'));
  out[6] = uint(givenType(layer.nextHeader, ctx) ?? nextIpProtocol(ctx, 'ipv6.nextHeader', 59), 8, 'ipv6.nextHeader');
  out[7] = uint(layer.hopLimit ?? 64, 8, 'ipv6.hopLimit');
  writeIpv6(layer.src, out, 8, 'ipv6.src');
  writeIpv6(layer.dst, out, 24, 'ipv6.dst');
  return out;
};

/** Writes next header and the length in 8-byte units after the first 8 of an extension header of `length` bytes. */
function writeExtensionStart(out: Uint8Array, length: number, nextHeader: number, field: string): void {
  if (length % 8 !== 0 || length > 2048) throw invalid(`${field}: ${length} bytes is not a multiple of 8 up to 2048`);
  out[0] = uint(nextHeader, 8, field + '.nextHeader');
  out[1] = length / 8 - 1;
}

export const encodeIpv6Options: LayerEncoder<Ipv6OptionsInput> = (layer, inner, ctx) => {
  const field = layer.kind;
  const options = layer.options ?? new Uint8Array(0);
  const length = Math.ceil((2 + options.length) / 8) * 8;
  const out = wrap(length, inner);
  const next = givenType(layer.nextHeader, ctx) ?? nextIpProtocol(ctx, field + '.nextHeader', 59);
  writeExtensionStart(out, length, next, field);
  out.set(options, 2);
  // Fill to the 8-byte unit with a Pad1 option or a PadN option of zeros (RFC 8200 §4.2).
  const pad = length - 2 - options.length;
  if (pad === 1) out[2 + options.length] = 0;
  else if (pad > 1) {
    out[2 + options.length] = 1;
    out[3 + options.length] = pad - 2;
  }
  return out;
};

export const encodeIpv6Routing: LayerEncoder<Ipv6RoutingInput> = (layer, inner, ctx) => {
  const type = uint(layer.routingType ?? 0, 8, 'ipv6-routing.routingType');
  const at = layer.offset;
  let body: Uint8Array;
  if (type === 0 || type === 4) {
    // Type 0 (deprecated) and segment routing: 4 bytes (reserved, or last entry/flags/tag), then the addresses.
    const addresses = layer.addresses ?? [];
    const decodedRest =
      at !== undefined && layer.length !== undefined
        ? sourceRange(ctx, at + 8 + 16 * addresses.length, at + layer.length)
        : undefined;
    body = new Uint8Array(4 + 16 * addresses.length + (decodedRest?.length ?? 0));
    const head = at === undefined ? undefined : sourceRange(ctx, at + 4, at + 8);
    if (head) body.set(head, 0);
    else if (type === 4) body[0] = Math.max(0, addresses.length - 1); // last entry
    addresses.forEach((a, i) => writeIpv6(a, body, 4 + 16 * i, `ipv6-routing.addresses[${i}]`));
    if (decodedRest) body.set(decodedRest, 4 + 16 * addresses.length);
  } else {
    const data =
      layer.data ??
      (at !== undefined && layer.length !== undefined ? sourceRange(ctx, at + 4, at + layer.length) : undefined);
    if (data === undefined) throw invalid(`ipv6-routing.data: give the bytes of routing type ${type}`);
    body = data;
  }
  const length = Math.ceil((4 + body.length) / 8) * 8;
  const out = wrap(length, inner);
  writeExtensionStart(
    out,
    length,
    givenType(layer.nextHeader, ctx) ?? nextIpProtocol(ctx, 'ipv6-routing.nextHeader', 59),
    'ipv6-routing',
  );
  out[2] = type;
  out[3] = uint(layer.segmentsLeft ?? 0, 8, 'ipv6-routing.segmentsLeft');
  out.set(body, 4);
  return out;
};

export const encodeIpv6Fragment: LayerEncoder<Ipv6FragmentInput> = (layer, inner, ctx) => {
  const out = wrap(8, inner);
  out[0] = uint(
    givenType(layer.nextHeader, ctx) ?? nextIpProtocol(ctx, 'ipv6-fragment.nextHeader', 59),
    8,
    'ipv6-fragment.nextHeader',
  );
  const offset = uint(layer.fragmentOffset ?? 0, 13, 'ipv6-fragment.fragmentOffset');
  put16(out, 2, (offset << 3) | (layer.moreFragments ? 1 : 0));
  put32(out, 4, uint(layer.identification ?? 0, 32, 'ipv6-fragment.identification'));
  return out;
};

export const encodeAh: LayerEncoder<AhInput> = (layer, inner, ctx) => {
  const icv = layer.icv ?? new Uint8Array(0);
  if (icv.length % 4 !== 0) throw invalid(`ah.icv: ${icv.length} bytes is not a multiple of 4`);
  const length = 12 + icv.length;
  const out = wrap(length, inner);
  out[0] = uint(givenType(layer.nextHeader, ctx) ?? nextIpProtocol(ctx, 'ah.nextHeader', 59), 8, 'ah.nextHeader');
  out[1] = uint(length / 4 - 2, 8, 'ah.icv');
  put32(out, 4, uint(layer.spi ?? 0, 32, 'ah.spi'));
  put32(out, 8, uint(layer.sequence ?? 0, 32, 'ah.sequence'));
  out.set(icv, 12);
  return out;
};
