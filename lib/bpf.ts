/**
 * BPF programs without a device: compile() a filter expression for a link
 * type (pcap_open_dead + pcap_compile, on the libuv thread pool), read its
 * instructions, print it as `tcpdump -d` does, and match packets in user
 * space (pcap_offline_filter).
 */
import { toPcapError } from './errors';
import { native } from './native';
import {
  checkInteger,
  checkKeys,
  checkObject,
  NETMASK_UNKNOWN,
  resolveFilter,
  resolveLinktype,
  type FilterOptions,
} from './options';

export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export interface CompileOptions extends FilterOptions {
  /** Link type as a DLT number or libpcap name. Default 'EN10MB' (Ethernet). */
  linktype?: number | string;
  /** Snapshot length the program assumes. Default 65535. */
  snaplen?: number;
}

// struct bpf_insn: u16 code, u8 jt, u8 jf, u32 k, in host byte order.
const INSN_SIZE = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class BpfProgram {
  /** The expression it was compiled from. */
  readonly expression: string;
  /** The link type it was compiled for. */
  readonly linktype: number;
  /** The instructions, as pcap_compile produced them. */
  readonly instructions: readonly BpfInstruction[];
  private readonly code: Buffer;

  /** @internal Use compile(). */
  constructor(expression: string, linktype: number, code: Buffer) {
    this.expression = expression;
    this.linktype = linktype;
    this.code = code;
    const instructions: BpfInstruction[] = [];
    for (let at = 0; at < code.length; at += INSN_SIZE) {
      instructions.push({
        code: LITTLE_ENDIAN ? code.readUInt16LE(at) : code.readUInt16BE(at),
        jt: code[at + 2]!,
        jf: code[at + 3]!,
        k: LITTLE_ENDIAN ? code.readUInt32LE(at + 4) : code.readUInt32BE(at + 4),
      });
    }
    this.instructions = Object.freeze(instructions);
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
      throw toPcapError({ code: 'EINVAL', message: 'match() takes a Buffer or Uint8Array' });
    const wire = length === undefined ? data.byteLength : checkInteger(length, 'length', 0, 0xffffffff);
    return native.match(this.code, data, wire);
  }
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
  const snap = snaplen === undefined ? 65535 : checkInteger(snaplen, 'snaplen', 1, 0x7fffffff);
  try {
    const code = await native.compile(dlt, snap, f.expression, f.optimize, f.netmask ?? NETMASK_UNKNOWN);
    return new BpfProgram(f.expression, dlt, code);
  } catch (e) {
    throw toPcapError(e);
  }
}
