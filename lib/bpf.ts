/**
 * BPF programs without a device: compile() a filter expression for a link
 * type (pcap_open_dead + pcap_compile, on the libuv thread pool), read its
 * instructions, print it as `tcpdump -d` does, and match packets in user
 * space (pcap_offline_filter).
 */
import { invalid, toPcapError, withSubject } from './errors';
import { verifyProgram } from './bpf-verifier';
import { native } from './native';
import {
  checkInteger,
  checkKeys,
  checkObject,
  describe,
  NETMASK_UNKNOWN,
  resolveFilter,
  resolveLinktype,
  type FilterOptions,
} from './options';

/** One BPF instruction: libpcap's `struct bpf_insn`. */
export interface BpfInstruction {
  /** The opcode (class, size, mode and source bits, e.g. 0x28 for `ldh [k]`), 0-65535. */
  code: number;
  /** Instructions to skip forward when a conditional jump is true, 0-255. */
  jt: number;
  /** Instructions to skip forward when a conditional jump is false, 0-255. */
  jf: number;
  /** The operand: a constant, an offset or a jump distance, 0-4294967295. */
  k: number;
}

/** Options of {@link compile}: a filter's options, and the link type and snapshot length to compile for. */
export interface CompileOptions extends FilterOptions {
  /** Link type as a DLT number or libpcap name. Default 'EN10MB' (Ethernet). */
  linktype?: number | string;
  /**
   * Snapshot length the program assumes: a program that accepts returns it.
   * Default 262144, tcpdump's, so that dump() prints what `tcpdump -d` does.
   */
  snaplen?: number;
}

/** compile()'s default snaplen: tcpdump's (MAXIMUM_SNAPLEN), so dump() equals `tcpdump -d`. */
export const COMPILE_SNAPLEN = 262144;

// struct bpf_insn: u16 code, u8 jt, u8 jf, u32 k, in host byte order.
const INSN_SIZE = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The code compile() got from pcap_compile, which may jump backwards (`ip6 protochain`). */
let fromCompiler: Buffer | undefined;

/**
 * A compiled BPF program: its instructions, its `tcpdump -d` listing, and a
 * matcher for packets in user space. Made by {@link compile} or by hand.
 */
export class BpfProgram {
  /** The expression it was compiled from (for a hand-made program, any label). */
  readonly expression: string;
  /** The link type it was compiled for. */
  readonly linktype: number;
  /** The instructions, as pcap_compile produced them. */
  readonly instructions: readonly BpfInstruction[];
  private readonly code: Buffer;

  /**
   * A program from its instructions: objects, or `struct bpf_insn` bytes in
   * host byte order. compile() makes them from an expression; this is for
   * programs made by hand or by another tool. The program is checked
   * before libpcap ever runs it (EINVAL naming the instruction): only
   * opcodes libpcap's interpreter executes, jumps forward and inside the
   * program, scratch memory words 0-15, no constant division by 0, a RET at
   * the end. The bytes are copied: changing them later changes nothing.
   */
  constructor(expression: string, linktype: number | string, code: Uint8Array | readonly BpfInstruction[]) {
    if (typeof expression !== 'string')
      throw invalid(`BpfProgram: the expression must be a string, got ${describe(expression)}`);
    this.expression = expression;
    this.linktype = resolveLinktype(linktype);
    const trusted = code === fromCompiler;
    fromCompiler = undefined;
    const instructions = trusted || code instanceof Uint8Array ? decode(code as Uint8Array) : fromObjects(code);
    verifyProgram(instructions, 'BpfProgram code', trusted);
    this.code = trusted ? (code as Buffer) : encode(instructions);
    this.instructions = Object.freeze(instructions.map((i) => Object.freeze(i)));
  }

  /** The program as `tcpdump -d` prints it (libpcap's bpf_image), one instruction per line. */
  dump(): string {
    return native.image(this.code).join('\n');
  }

  /**
   * Whether the program accepts a packet whose captured bytes are `data` and
   * whose wire length is `length` (default: data.length).
   */
  match(data: Uint8Array, length?: number): boolean {
    if (!(data instanceof Uint8Array))
      throw invalid(`match(): "data" must be a Buffer or Uint8Array, got ${describe(data)}`);
    const wire = length === undefined ? data.byteLength : checkInteger(length, 'length', 0, 0xffffffff);
    return native.match(this.code, data, wire);
  }
}

function decode(code: Uint8Array): BpfInstruction[] {
  if (!(code instanceof Uint8Array)) {
    throw invalid(`BpfProgram: "code" must be bytes (Uint8Array) or an array of instructions, got ${describe(code)}`);
  }
  if (code.byteLength % INSN_SIZE !== 0) {
    throw invalid(
      `BpfProgram: "code" is ${code.byteLength} bytes, not a whole number of ${INSN_SIZE}-byte instructions`,
    );
  }
  if (code.byteLength === 0) return []; // no DataView over a detached buffer
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const instructions: BpfInstruction[] = [];
  for (let at = 0; at < code.byteLength; at += INSN_SIZE) {
    instructions.push({
      code: view.getUint16(at, LITTLE_ENDIAN),
      jt: view.getUint8(at + 2),
      jf: view.getUint8(at + 3),
      k: view.getUint32(at + 4, LITTLE_ENDIAN),
    });
  }
  return instructions;
}

function fromObjects(code: unknown): BpfInstruction[] {
  if (!Array.isArray(code)) {
    throw invalid(`BpfProgram: "code" must be bytes (Uint8Array) or an array of instructions, got ${describe(code)}`);
  }
  return code.map((insn: unknown, i) => {
    if (!insn || typeof insn !== 'object') throw invalid(`BpfProgram: "code[${i}]" must be { code, jt, jf, k }`);
    const o = insn as Record<string, unknown>;
    return {
      code: checkInteger(o.code, `code[${i}].code`, 0, 0xffff),
      jt: checkInteger(o.jt, `code[${i}].jt`, 0, 255),
      jf: checkInteger(o.jf, `code[${i}].jf`, 0, 255),
      k: checkInteger(o.k, `code[${i}].k`, 0, 0xffffffff),
    };
  });
}

function encode(instructions: readonly BpfInstruction[]): Buffer {
  const code = Buffer.alloc(instructions.length * INSN_SIZE);
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  instructions.forEach((insn, i) => {
    view.setUint16(i * INSN_SIZE, insn.code, LITTLE_ENDIAN);
    view.setUint8(i * INSN_SIZE + 2, insn.jt);
    view.setUint8(i * INSN_SIZE + 3, insn.jf);
    view.setUint32(i * INSN_SIZE + 4, insn.k, LITTLE_ENDIAN);
  });
  return code;
}

/**
 * Compiles a filter expression without a device. Same limit / ENOMEM /
 * EFILTER rules as socket.filter().
 */
export async function compile(expression: string, options?: CompileOptions): Promise<BpfProgram> {
  const o = checkObject(options, 'compile');
  checkKeys(o, new Set(['linktype', 'snaplen', 'optimize', 'netmask', 'limit']), 'compile');
  const { linktype, snaplen, ...filterOptions } = o;
  const f = resolveFilter(expression, filterOptions);
  const dlt = linktype === undefined ? 1 : resolveLinktype(linktype);
  const snap = snaplen === undefined ? COMPILE_SNAPLEN : checkInteger(snaplen, 'snaplen', 1, 0x7fffffff);
  let code: Buffer;
  try {
    code = await native.compile(dlt, snap, f.expression, f.optimize, f.netmask ?? NETMASK_UNKNOWN);
  } catch (e) {
    throw toPcapError(withSubject(e, { filter: f.expression }));
  }
  fromCompiler = code;
  return new BpfProgram(f.expression, dlt, code);
}
