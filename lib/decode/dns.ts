/**
 * DNS (RFC 1035) over UDP and TCP: header, questions and resource records,
 * with name compression. A pointer chain that loops, or that jumps more
 * often than a 255-byte name could need, is the layer's 'loop' error.
 */
import { formatIpv4, formatIpv6, u16, u32 } from './format';
import type { Packet } from './packet';
import { END } from './protocols';
import type { DecodeErrorReason, DnsLayer, DnsQuestion, DnsResource } from './types';

/** A name has at most 127 labels, so more pointers than that can only be a loop. */
const MAX_JUMPS = 127;

/** Scratch results of readName(): one decoder runs at a time, so no allocation per name for them. */
let nameNext = 0;
let nameError: DecodeErrorReason | null = null;
let nameErrorAt = 0;

function labelText(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    // Printable ASCII as is (a dot inside a label escaped), the rest as \DDD (RFC 4343 presentation).
    if (c > 0x20 && c < 0x7f) s += c === 0x2e || c === 0x5c ? '\\' + String.fromCharCode(c) : String.fromCharCode(c);
    else s += '\\' + c.toString(10).padStart(3, '0');
  }
  return s;
}

/**
 * Reads the name at `at` of the message bytes[msg, end). Sets nameNext to
 * the offset after the name in place (after its first pointer, if any);
 * on failure sets nameError and returns ''.
 */
function readName(b: Uint8Array, msg: number, end: number, at: number): string {
  let name = '';
  let i = at;
  let jumps = 0;
  nameNext = -1;
  nameError = null;
  for (;;) {
    if (i >= end) {
      nameError = 'truncated';
      nameErrorAt = i;
      return '';
    }
    const len = b[i]!;
    if (len === 0) {
      if (nameNext < 0) nameNext = i + 1;
      break;
    }
    const tag = len & 0xc0;
    if (tag === 0xc0) {
      if (i + 1 >= end) {
        nameError = 'truncated';
        nameErrorAt = i;
        return '';
      }
      if (nameNext < 0) nameNext = i + 2;
      if (++jumps > MAX_JUMPS) {
        nameError = 'loop';
        nameErrorAt = i;
        return '';
      }
      const target = msg + (((len & 0x3f) << 8) | b[i + 1]!);
      if (target >= end) {
        // The error is where the name left the message: the pointer, never its target.
        nameError = 'bad-value';
        nameErrorAt = i;
        return '';
      }
      i = target;
      continue;
    }
    if (tag !== 0) {
      // 0x40 (extended label) and 0x80 are not defined for names.
      nameError = 'bad-value';
      nameErrorAt = i;
      return '';
    }
    if (i + 1 + len > end) {
      nameError = 'truncated';
      nameErrorAt = i;
      return '';
    }
    name += (name.length > 0 ? '.' : '') + labelText(b, i + 1, i + 1 + len);
    i += 1 + len;
  }
  return name.length > 0 ? name : '<Root>';
}

class Question implements DnsQuestion {
  readonly class: number;
  constructor(
    readonly name: string,
    readonly type: number,
    klass: number,
  ) {
    this.class = klass;
  }
}

class Resource implements DnsResource {
  readonly class: number;
  constructor(
    readonly name: string,
    readonly type: number,
    klass: number,
    readonly ttl: number,
    readonly dataOffset: number,
    readonly dataLength: number,
    readonly data: string | undefined,
  ) {
    this.class = klass;
  }
}

export class Dns implements DnsLayer {
  readonly kind = 'dns' as const;
  readonly questions: DnsQuestion[] = [];
  readonly answers: DnsResource[] = [];
  readonly authorities: DnsResource[] = [];
  readonly additionals: DnsResource[] = [];
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    public length: number,
    readonly tcpLength: number | undefined,
  ) {}
  get id(): number {
    return u16(this.bytes, this.offset);
  }
  get flags(): number {
    return u16(this.bytes, this.offset + 2);
  }
  get isResponse(): boolean {
    return (this.bytes[this.offset + 2]! & 0x80) !== 0;
  }
  get opcode(): number {
    return (this.bytes[this.offset + 2]! >>> 3) & 15;
  }
  get rcode(): number {
    return this.bytes[this.offset + 3]! & 15;
  }
  get questionCount(): number {
    return u16(this.bytes, this.offset + 4);
  }
  get answerCount(): number {
    return u16(this.bytes, this.offset + 6);
  }
  get authorityCount(): number {
    return u16(this.bytes, this.offset + 8);
  }
  get additionalCount(): number {
    return u16(this.bytes, this.offset + 10);
  }
}

function fail(p: Packet, d: Dns, what: string): number {
  // A name read past a pointer may have failed before the pointer: keep the error inside the message.
  if (nameErrorAt > p.payloadEnd) nameErrorAt = p.payloadEnd;
  d.length = nameErrorAt - d.offset;
  return p.fail(
    'dns',
    nameError!,
    nameErrorAt,
    `${what}: ${nameError === 'loop' ? 'compression pointer loop' : nameError === 'bad-value' ? 'bad label or pointer' : 'truncated'}`,
  );
}

/** Reads `count` records into `list`; returns the offset after them, or -1 after recording an error. */
function readRecords(p: Packet, d: Dns, list: DnsResource[], count: number, at: number, end: number): number {
  const b = p.bytes;
  const msg = d.offset;
  let i = at;
  for (let n = 0; n < count; n++) {
    const name = readName(b, msg, end, i);
    if (nameError !== null) return fail(p, d, 'record name') - 1;
    i = nameNext;
    if (i + 10 > end) {
      nameError = 'truncated';
      nameErrorAt = i;
      return fail(p, d, 'record') - 1;
    }
    const type = u16(b, i);
    const rdlength = u16(b, i + 8);
    const data = i + 10;
    if (data + rdlength > end) {
      nameError = 'truncated';
      nameErrorAt = i;
      return fail(p, d, 'record data') - 1;
    }
    let text: string | undefined;
    if (type === 1 && rdlength === 4) text = formatIpv4(b, data);
    else if (type === 28 && rdlength === 16) text = formatIpv6(b, data);
    else if (type === 2 || type === 5 || type === 12) {
      text = readName(b, msg, data + rdlength, data);
      if (nameError !== null) return fail(p, d, 'record data name') - 1;
    }
    list.push(new Resource(name, type, u16(b, i + 2), u32(b, i + 4), data, rdlength, text));
    i = data + rdlength;
  }
  return i;
}

function decodeMessage(p: Packet, o: number, end: number, tcpLength: number | undefined): number {
  const b = p.bytes;
  if (o + 12 > end) return p.truncated('dns', o, 12);
  const d = new Dns(b, o, end - o, tcpLength);
  p.layers.push(d);
  let i = o + 12;
  const qd = u16(b, o + 4);
  for (let n = 0; n < qd; n++) {
    const name = readName(b, o, end, i);
    if (nameError !== null) return fail(p, d, 'question name');
    i = nameNext;
    if (i + 4 > end) {
      nameError = 'truncated';
      nameErrorAt = i;
      return fail(p, d, 'question');
    }
    d.questions.push(new Question(name, u16(b, i), u16(b, i + 2)));
    i += 4;
  }
  i = readRecords(p, d, d.answers, u16(b, o + 6), i, end);
  if (i >= 0) i = readRecords(p, d, d.authorities, u16(b, o + 8), i, end);
  if (i >= 0) i = readRecords(p, d, d.additionals, u16(b, o + 10), i, end);
  if (i < 0) return END;
  d.length = i - o;
  p.payloadOffset = i;
  return END;
}

export function decodeDns(p: Packet): number {
  return decodeMessage(p, p.payloadOffset, p.payloadEnd, undefined);
}

/** DNS over TCP: a 2-byte length, then the message (only a message that starts in this segment). */
export function decodeDnsTcp(p: Packet): number {
  const o = p.payloadOffset;
  if (o + 2 > p.payloadEnd) return p.truncated('dns', o, 2);
  const len = u16(p.bytes, o);
  const end = Math.min(p.payloadEnd, o + 2 + len);
  return decodeMessage(p, o + 2, end, len);
}
