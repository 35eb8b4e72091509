/**
 * Addresses as the decoder prints them (MAC `aa:bb:cc:dd:ee:ff`, IPv4 dotted
 * quad, IPv6 text, colon-separated hex) parsed back to bytes, written in
 * place. A malformed address is an EINVAL PcapError naming the field.
 */
import { invalid } from '../../errors';

/** Writes the colon-separated hex bytes of `text` at `at`; returns the number of bytes. */
export function writeHex(text: string, out: Uint8Array, at: number, field: string, max = Infinity): number {
  if (text === '') return 0;
  const parts = text.split(/[:-]/);
  if (parts.length > max) throw invalid(`${field}: ${JSON.stringify(text)} has more than ${max} bytes`);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-fA-F]{1,2}$/.test(p))
      throw invalid(`${field}: ${JSON.stringify(text)} is not colon-separated hex bytes`);
    out[at + i] = parseInt(p, 16);
  }
  return parts.length;
}

/** The number of bytes in colon-separated hex `text` (0 for ''). */
export function hexLength(text: string): number {
  return text === '' ? 0 : text.split(/[:-]/).length;
}

export function writeMac(text: string, out: Uint8Array, at: number, field: string): void {
  if (typeof text !== 'string' || hexLength(text) !== 6) {
    throw invalid(`${field}: ${JSON.stringify(text)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  writeHex(text, out, at, field);
}

export function writeIpv4(text: string, out: Uint8Array, at: number, field: string): void {
  const parts = typeof text === 'string' ? text.split('.') : [];
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw invalid(`${field}: ${JSON.stringify(text)} is not an IPv4 address`);
  }
  for (let i = 0; i < 4; i++) out[at + i] = Number(parts[i]);
}

export function writeIpv6(text: string, out: Uint8Array, at: number, field: string): void {
  const bad = () => invalid(`${field}: ${JSON.stringify(text)} is not an IPv6 address`);
  if (typeof text !== 'string') throw bad();
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const words: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = new Uint8Array(4);
        writeIpv4(p, v4, 0, field);
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) words.push(parseInt(p, 16));
      else throw bad();
    }
    return words;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 2 ? zeros < 1 : zeros !== 0) throw bad();
  const words = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    out[at + 2 * i] = words[i]! >> 8;
    out[at + 2 * i + 1] = words[i]! & 0xff;
  }
}

/** A fresh array with the address's bytes (4 for IPv4, 16 for IPv6). */
export function ipBytes(text: string, version: 4 | 6, field: string): Uint8Array {
  const out = new Uint8Array(version === 4 ? 4 : 16);
  if (version === 4) writeIpv4(text, out, 0, field);
  else writeIpv6(text, out, 0, field);
  return out;
}
