/**
 * The capture thread's watch on the kernel's drop counter: when the kernel
 * drops packets because the capture's ring is full, the socket says so in a
 * 'warning' event, at most once per DROP_WARNING_INTERVAL_MS, with how many
 * were dropped and which option helps. Without it a user learns of lost
 * packets only by asking stats().
 */
import type { NativeOpenOptions } from './native';

/** How often the counter is read at most (one getsockopt on Linux). */
export const DROP_CHECK_MS = 200;
/** At most one drop warning per this long: the first at once, the next with what was dropped meanwhile. */
export const DROP_WARNING_INTERVAL_MS = 5000;

const MiB = 1 << 20;

/** What to change, for the options the capture was opened with. */
export function dropAdvice(options: Pick<NativeOpenOptions, 'buffer' | 'immediate'>): string {
  const size = `${(options.buffer / MiB).toFixed(options.buffer % MiB === 0 ? 0 : 1)} MiB`;
  const buffer = `a larger \`buffer\` option (now ${size}) holds a longer burst`;
  // Immediate mode gives every packet a ring slot of the whole snaplen
  // (64 KiB on a device with offloads): blocks or a small snaplen hold many
  // times more packets in the same memory.
  return options.immediate
    ? `${buffer}; so do \`timeout: 10\` (packets delivered in blocks) or a small \`snaplen\`, and a consumer that keeps up`
    : `${buffer}, as does a consumer that keeps up`;
}

export class DropWatch {
  private reported = 0;
  private checkedAt = -Infinity;
  private warnedAt = -Infinity;

  /** `readDrops` answers the kernel's drop count since the capture began (pcap_stats' ps_drop). */
  constructor(
    private readonly readDrops: () => number,
    private readonly advice: string,
  ) {}

  /** Called as often as convenient; answers a warning's text when one is due. */
  poll(now: number): string | undefined {
    if (now - this.checkedAt < DROP_CHECK_MS || now - this.warnedAt < DROP_WARNING_INTERVAL_MS) return undefined;
    this.checkedAt = now;
    const total = this.readDrops();
    if (!(total > this.reported)) return undefined;
    const since = this.reported === 0 ? 'since the capture began' : 'since the last warning';
    const dropped = total - this.reported;
    this.reported = total;
    this.warnedAt = now;
    return (
      `the kernel dropped ${dropped} packet${dropped === 1 ? '' : 's'} ${since} (${total} in all): ` +
      `the capture's ring buffer was full; ${this.advice}`
    );
  }
}
