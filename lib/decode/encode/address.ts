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

/** The value of hex digit `c` (a char code), or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  return c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
}

/** `aa:bb:cc:dd:ee:ff` (or with dashes), parsed by hand: frames are built in loops. */
export function writeMac(text: string, out: Uint8Array, at: number, field: string): void {
  const ok = typeof text === 'string' && text.length === 17;
  for (let i = 0; ok && i < 6; i++) {
    const hi = hexDigit(text.charCodeAt(3 * i));
    const lo = hexDigit(text.charCodeAt(3 * i + 1));
    const sep = i === 5 ? 0x3a : text.charCodeAt(3 * i + 2);
    if (hi < 0 || lo < 0 || (sep !== 0x3a && sep !== 0x2d)) break;
    out[at + i] = (hi << 4) | lo;
    if (i === 5) return;
  }
  // Also one-digit groups (a:b:c:d:e:f), through the general parser.
  if (typeof text === 'string' && hexLength(text) === 6) {
    writeHex(text, out, at, field);
    return;
  }
  throw invalid(`${field}: ${JSON.stringify(text)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
}

export function writeIpv4(text: string, out: Uint8Array, at: number, field: string): void {
  let part = 0;
  let value = 0;
  let digits = 0;
  const n = typeof text === 'string' ? text.length : 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 0x2e : text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || part > 3) break;
      out[at + part++] = value;
      value = 0;
      digits = 0;
      if (i === n && part === 4) return;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      value = value * 10 + c - 0x30;
      digits++;
    } else break;
  }
  throw invalid(`${field}: ${JSON.stringify(text)} is not an IPv4 address`);
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
