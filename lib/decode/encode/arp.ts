/** ARP (RFC 826): hardware and protocol types and lengths, opcode, then the four addresses. */
import { invalid } from '../../errors';
import { hexLength, writeHex, writeIpv4, writeMac } from './address';
import { type LayerEncoder, given, put16, uint, wrap } from './context';
import type { ArpInput } from './types';

function writeAddress(text: string, length: number, kind: 'hw' | 'proto', out: Uint8Array, at: number, field: string) {
  // As the decoder prints them: a dotted quad for a 4-byte IPv4 address, colon-separated hex otherwise.
  if (kind === 'hw' && length === 6) writeMac(text, out, at, field);
  else if (kind === 'proto' && length === 4 && text.includes('.')) writeIpv4(text, out, at, field);
  else if (writeHex(text, out, at, field, length) !== length) {
    throw invalid(`${field}: ${JSON.stringify(text)} is not ${length} bytes`);
  }
}

function addressLength(text: string, kind: 'hw' | 'proto'): number {
  return kind === 'proto' && text.includes('.') ? 4 : hexLength(text);
}

export const encodeArp: LayerEncoder<ArpInput> = (layer, inner, ctx) => {
  const h = uint(
    given(layer.hardwareLength, ctx) ?? addressLength(layer.senderHardware, 'hw'),
    8,
    'arp.hardwareLength',
  );
  const n = uint(
    given(layer.protocolLength, ctx) ?? addressLength(layer.senderProtocol, 'proto'),
    8,
    'arp.protocolLength',
  );
  const out = wrap(8 + 2 * h + 2 * n, inner);
  put16(out, 0, uint(layer.hardwareType ?? 1, 16, 'arp.hardwareType'));
  put16(out, 2, uint(layer.protocolType ?? 0x0800, 16, 'arp.protocolType'));
  out[4] = h;
  out[5] = n;
  put16(out, 6, uint(layer.opcode, 16, 'arp.opcode'));
  writeAddress(layer.senderHardware, h, 'hw', out, 8, 'arp.senderHardware');
  writeAddress(layer.senderProtocol, n, 'proto', out, 8 + h, 'arp.senderProtocol');
  writeAddress(layer.targetHardware, h, 'hw', out, 8 + h + n, 'arp.targetHardware');
  writeAddress(layer.targetProtocol, n, 'proto', out, 8 + 2 * h + n, 'arp.targetProtocol');
  return out;
};
