/**
 * Checks a classic BPF program before libpcap runs it. pcap_offline_filter()
 * trusts its program: in libpcap 1.10 a jump past the end, a scratch-memory
 * index of 2^30 or a missing final RET reads or writes outside the program
 * or the stack (SIGSEGV), and an opcode its interpreter lacks calls abort().
 * bpf_validate() is exported but weaker in that version (it lets through
 * opcodes the interpreter aborts on), so the rules are ours, written for the
 * interpreter: only the opcodes it executes, scratch indexes below
 * BPF_MEMWORDS, constant divisors other than 0, constant shifts below 32,
 * every jump landing inside the program, and a RET at the end.
 */
import { invalid } from './errors';

export interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Scratch memory words of the BPF machine (BPF_MEMWORDS). */
const MEMWORDS = 16;

// Opcodes by class; see bpf(4) / pcap/bpf.h.
const RET_K = 0x06;
const RET_A = 0x16;
const SCRATCH = new Set([0x60 /* ld M[k] */, 0x61 /* ldx M[k] */, 0x02 /* st */, 0x03 /* stx */]);
const CONDITIONAL_JUMPS = new Set([0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d]);
const JA = 0x05;
const CONSTANT_DIVISORS = new Set([0x34 /* div #k */, 0x94 /* mod #k */]);
const CONSTANT_SHIFTS = new Set([0x64 /* lsh #k */, 0x74 /* rsh #k */]);
const PLAIN = new Set([
  RET_K,
  RET_A,
  // ld [k], ldh [k], ldb [k], ld #len, ldx #len, ld [x + k], ldh [x + k], ldb [x + k], ldxb 4*([k]&0xf), ld #k, ldx #k
  0x20,
  0x28,
  0x30,
  0x80,
  0x81,
  0x40,
  0x48,
  0x50,
  0xb1,
  0x00,
  0x01,
  // add, sub, mul, div, mod, and, or, xor, lsh, rsh with x
  0x0c,
  0x1c,
  0x2c,
  0x3c,
  0x9c,
  0x5c,
  0x4c,
  0xac,
  0x6c,
  0x7c,
  // add, sub, mul, and, or, xor with k
  0x04,
  0x14,
  0x24,
  0x54,
  0x44,
  0xa4,
  // neg, tax, txa
  0x84,
  0x07,
  0x87,
]);

/**
 * Throws EINVAL naming the first bad instruction (as `tcpdump -d` numbers
 * them). `backwardJumps` lets an unconditional jump go back, as
 * pcap_compile() makes for `ip6 protochain`; a hand-made program may not,
 * since a loop would never end in libpcap 1.10's interpreter.
 */
export function verifyProgram(program: readonly Instruction[], argument: string, backwardJumps = false): void {
  const n = program.length;
  if (n === 0) throw invalid(`${argument}: a BPF program needs at least one instruction`);
  for (let i = 0; i < n; i++) {
    const { code, jt, jf, k } = program[i]!;
    const at = `${argument}: instruction (${String(i).padStart(3, '0')}) { code: 0x${code.toString(16)}, jt: ${jt}, jf: ${jf}, k: ${k} }`;
    if (SCRATCH.has(code)) {
      if (k >= MEMWORDS) throw invalid(`${at} uses scratch memory word ${k}; there are ${MEMWORDS}`);
    } else if (CONDITIONAL_JUMPS.has(code)) {
      if (i + 1 + Math.max(jt, jf) >= n) throw invalid(`${at} jumps past the end of the program`);
    } else if (code === JA) {
      const offset = backwardJumps ? k | 0 : k;
      const target = i + 1 + offset;
      if (target >= n || target < 0) throw invalid(`${at} jumps outside the program`);
      if (target === i) throw invalid(`${at} jumps to itself`);
    } else if (CONSTANT_DIVISORS.has(code)) {
      if (k === 0) throw invalid(`${at} divides by zero`);
    } else if (CONSTANT_SHIFTS.has(code)) {
      if (k >= 32) throw invalid(`${at} shifts by ${k} bits`);
    } else if (!PLAIN.has(code)) {
      throw invalid(`${at} has an opcode libpcap's interpreter does not execute`);
    }
  }
  const last = program[n - 1]!.code;
  if (last !== RET_K && last !== RET_A) {
    throw invalid(`${argument}: the last instruction (${String(n - 1).padStart(3, '0')}) is not a RET`);
  }
}
