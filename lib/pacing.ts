/**
 * Young-generation pacing. A batch's memory is freed when the main thread's
 * garbage collector finds its ArrayBuffer dead, and for a young ArrayBuffer
 * that is the next scavenge, which comes when the young generation has
 * filled with JavaScript objects. Batch memory lies outside it: a 'batch'
 * consumer allocates almost nothing of its own, so dead batches piled up
 * (~33 MB for a 1M-packet file) and the capture thread wrote every new batch
 * into memory never touched before, a page fault per 4 KiB. So for every
 * PACE_EVERY bytes of batches received, a short-lived array of PACE_WITH
 * bytes is made: scavenges then follow the batch memory, which the capture
 * thread's allocator gets back and reuses while it is still mapped in.
 * Measured on a 1M-packet file read through 'batch' events without
 * release() (medians of 6 alternated fresh processes): 194 ms and 14,700
 * page faults without, 121 ms and 8,300 with 64 KiB per MiB (in a first
 * trial, 32 KiB per MiB gave 129 ms and 128 KiB 128 ms). A 'packet'
 * consumer allocates more than twice the batch bytes in packet objects
 * anyway, so for it this adds ~3%.
 */
import { types as utilTypes } from 'node:util';

const PACE_EVERY = 1 << 20;
const PACE_WITH = 64 << 10;
let pacedBytes = 0;

/** Counts a batch received from a capture thread, and paces the young generation by it. */
export function paceYoungGeneration(batchBytes: number): void {
  pacedBytes += batchBytes;
  if (pacedBytes < PACE_EVERY) return;
  pacedBytes %= PACE_EVERY;
  // One 8-byte slot per element. The array is handed to a native function
  // that the compiler cannot see into, or the optimized code leaves out an
  // array nobody uses (measured: scavenges stopped after the 4th read of a
  // process). It is not kept: a kept one survived scavenges into the old
  // generation, and 'packet' consumers got slower.
  utilTypes.isProxy(new Array(PACE_WITH / 8));
}
