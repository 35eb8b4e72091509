/**
 * Printing packets, shared by `capture` and `read`: one summary line per
 * packet as tcpdump prints them, or one JSON object per line. Packets come as
 * whole batches, so that a busy capture allocates no packet objects.
 */
import type { PacketBatch } from '../index';
import { describe } from './summary';

export interface PrintOptions {
  json: boolean;
  /** Print at most this many packets in all (Infinity: no limit). */
  count: number;
}

/** Writes the packets of batches to a stream and counts them. */
export class PacketPrinter {
  /** Packets printed so far. */
  printed = 0;
  /** Their wire lengths, summed. */
  bytes = 0;

  constructor(
    private readonly out: Pick<NodeJS.WritableStream, 'write'>,
    private readonly options: PrintOptions,
  ) {}

  get done(): boolean {
    return this.printed >= this.options.count;
  }

  /** Prints the batch's packets, up to the count; returns how many it printed. */
  print(batch: PacketBatch): number {
    const n = Math.min(batch.count, this.options.count - this.printed);
    if (n <= 0) return 0;
    let text = '';
    for (let i = 0; i < n; i++) {
      const length = batch.length(i);
      const d = describe(batch.datalink, batch.bytes, batch.offset(i), batch.caplen(i));
      const seconds = batch.seconds(i);
      const fraction = batch.fraction(i);
      if (this.options.json) {
        text +=
          JSON.stringify({
            time: isoTime(seconds, fraction, batch.precision),
            caplen: batch.caplen(i),
            length,
            summary: d.line,
            layers: d.layers,
            ...(d.error === undefined ? {} : { error: d.error }),
          }) + '\n';
      } else {
        text += `${clockTime(seconds, fraction, batch.precision)} ${d.line}\n`;
      }
      this.bytes += length;
    }
    this.printed += n;
    this.out.write(text);
    return n;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function fractionDigits(fraction: number, precision: 'micro' | 'nano'): string {
  return pad(fraction, precision === 'nano' ? 9 : 6);
}

/** tcpdump's default time stamp: local time of day, HH:MM:SS.ffffff. */
export function clockTime(seconds: number, fraction: number, precision: 'micro' | 'nano'): string {
  const d = new Date(seconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${fractionDigits(fraction, precision)}`;
}

/** ISO 8601 in UTC with every digit of the capture's precision. */
export function isoTime(seconds: number, fraction: number, precision: 'micro' | 'nano'): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fractionDigits(fraction, precision)}Z`;
}
