/**
 * DNS messages (RFC 1035): header, questions and resource records, with
 * name compression (§4.1.4): each name ends in a pointer to the longest
 * suffix already written in the message. Over TCP the message is preceded by
 * its 2-byte length.
 *
 * Names are in the decoder's presentation form: labels joined by dots, a dot
 * or backslash inside a label escaped with a backslash, other bytes as \DDD,
 * and `<Root>` (or '' or '.') for the root.
 */
import { invalid } from '../../errors';
import { writeIpv4, writeIpv6 } from './address';
import { type EncodeContext, type LayerEncoder, given, put16, put32, sourceRange, uint, wrap } from './context';
import type { DnsInput, DnsResourceInput } from './types';

/** The labels of a name in presentation form, as bytes. */
export function nameLabels(name: string, field: string): Uint8Array[] {
  if (typeof name !== 'string') throw invalid(`${field}: ${String(name)} is not a name`);
  if (name === '' || name === '.' || name === '<Root>') return [];
  const labels: Uint8Array[] = [];
  let label: number[] = [];
  const text = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      labels.push(Uint8Array.from(label));
      label = [];
    } else if (c === 0x5c) {
      const digits = /^\d{3}/.exec(text.slice(i + 1));
      if (digits && Number(digits[0]) <= 255) {
        label.push(Number(digits[0]));
        i += 3;
      } else if (i + 1 < text.length) label.push(text.charCodeAt(++i));
      else throw invalid(`${field}: ${JSON.stringify(name)} ends in a lone backslash`);
    } else if (c > 0xff) {
      throw invalid(`${field}: ${JSON.stringify(name)} has a character beyond one byte (use punycode)`);
    } else label.push(c);
  }
  labels.push(Uint8Array.from(label));
  let wire = 1;
  for (const l of labels) {
    if (l.length === 0 || l.length > 63)
      throw invalid(`${field}: ${JSON.stringify(name)} has a label of ${l.length} bytes`);
    wire += 1 + l.length;
  }
  if (wire > 255) throw invalid(`${field}: ${JSON.stringify(name)} is longer than 255 bytes`);
  return labels;
}

/** A DNS message being written: its bytes and the suffixes written so far, for compression. */
class MessageWriter {
  bytes: number[] = [];
  /** Suffix (labels as written, joined) → its offset in the message. */
  private readonly suffixes = new Map<string, number>();

  u16(v: number): void {
    this.bytes.push(v >>> 8, v & 0xff);
  }

  name(name: string, field: string): void {
    const labels = nameLabels(name, field);
    const keys = labels.map((l) => Array.from(l, (c) => String.fromCharCode(c)).join(''));
    for (let i = 0; i < labels.length; i++) {
      const key = keys.slice(i).join('\0');
      const at = this.suffixes.get(key);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      // A pointer has 14 bits of offset.
      if (this.bytes.length < 0x4000) this.suffixes.set(key, this.bytes.length);
      this.bytes.push(labels[i]!.length, ...labels[i]!);
    }
    this.bytes.push(0);
  }
}

function rdata(w: MessageWriter, r: DnsResourceInput, field: string, ctx: EncodeContext): void {
  const lengthAt = w.bytes.length;
  w.u16(0);
  if (r.rdata !== undefined) w.bytes.push(...r.rdata);
  else if (r.data !== undefined && r.type === 1) {
    const a = new Uint8Array(4);
    writeIpv4(r.data, a, 0, field + '.data');
    w.bytes.push(...a);
  } else if (r.data !== undefined && r.type === 28) {
    const a = new Uint8Array(16);
    writeIpv6(r.data, a, 0, field + '.data');
    w.bytes.push(...a);
  } else if (r.data !== undefined && (r.type === 2 || r.type === 5 || r.type === 12)) {
    w.name(r.data, field + '.data');
  } else {
    // Other types from a decoded record: its RDATA as it was (names in it keep their pointers).
    const raw =
      r.dataOffset !== undefined && r.dataLength !== undefined
        ? sourceRange(ctx, r.dataOffset, r.dataOffset + r.dataLength)
        : undefined;
    if (raw === undefined && r.data !== undefined) {
      throw invalid(`${field}.rdata: give the bytes of a type ${r.type} record`);
    }
    if (raw) w.bytes.push(...raw);
  }
  const length = w.bytes.length - lengthAt - 2;
  w.bytes[lengthAt] = length >>> 8;
  w.bytes[lengthAt + 1] = length & 0xff;
}

export const encodeDns: LayerEncoder<DnsInput> = (layer, inner, ctx) => {
  const w = new MessageWriter();
  const questions = layer.questions ?? [];
  const sections = [layer.answers ?? [], layer.authorities ?? [], layer.additionals ?? []] as const;
  w.u16(uint(layer.id ?? 0, 16, 'dns.id'));
  w.u16(uint(layer.flags ?? 0, 16, 'dns.flags'));
  w.u16(uint(given(layer.questionCount, ctx) ?? questions.length, 16, 'dns.questionCount'));
  w.u16(uint(given(layer.answerCount, ctx) ?? sections[0].length, 16, 'dns.answerCount'));
  w.u16(uint(given(layer.authorityCount, ctx) ?? sections[1].length, 16, 'dns.authorityCount'));
  w.u16(uint(given(layer.additionalCount, ctx) ?? sections[2].length, 16, 'dns.additionalCount'));
  questions.forEach((q, i) => {
    w.name(q.name, `dns.questions[${i}].name`);
    w.u16(uint(q.type, 16, `dns.questions[${i}].type`));
    w.u16(uint(q.class ?? 1, 16, `dns.questions[${i}].class`));
  });
  ['answers', 'authorities', 'additionals'].forEach((section, s) =>
    sections[s]!.forEach((r, i) => {
      const field = `dns.${section}[${i}]`;
      w.name(r.name, field + '.name');
      w.u16(uint(r.type, 16, field + '.type'));
      w.u16(uint(r.class ?? 1, 16, field + '.class'));
      const ttl = new Uint8Array(4);
      put32(ttl, 0, uint(r.ttl ?? 0, 32, field + '.ttl'));
      w.bytes.push(...ttl);
      rdata(w, r, field, ctx);
    }),
  );
  const overTcp = ctx.layers[ctx.index - 1]?.kind === 'tcp';
  const prefix = overTcp ? 2 : 0;
  const out = wrap(prefix + w.bytes.length, inner);
  out.set(w.bytes, prefix);
  if (overTcp) put16(out, 0, uint(given(layer.tcpLength, ctx) ?? w.bytes.length, 16, 'dns.tcpLength'));
  return out;
};
