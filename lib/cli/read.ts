/**
 * `ewpcap read`: the packets of a savefile, one line each (or JSON lines),
 * with a progress bar on stderr for large files when it is a terminal. With
 * no file, the sample capture that comes with the package.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { PacketBatch } from '../index';
import { openOffline } from '../index';
import { action } from './action';
import { integer } from './options';
import { PacketPrinter } from './packets';
import { StatusLine, bar } from './terminal';

/** The sample capture shipped in the package (scripts/make-sample regenerates it). */
export const SAMPLE_CAPTURE = path.join(__dirname, '..', '..', 'data', 'sample.pcap');

/** Files from this size up get a progress bar (smaller ones are read before it would show). */
const PROGRESS_FROM_BYTES = 4 << 20;

interface ReadOptions {
  filter?: string;
  count?: number;
  json?: boolean;
  progress: boolean;
}

export function registerRead(root: Command): void {
  root
    .command('read')
    .description('print the packets of a pcap or pcapng file, one line each (as tcpdump -n -q -r)')
    .argument('[file]', 'the savefile (default: a sample capture that comes with ewpcap)')
    .option('-f, --filter <expression>', 'BPF filter expression, e.g. "tcp port 80"')
    .option('-c, --count <n>', 'stop after n packets', integer(1))
    .option('--json', 'one JSON object per packet and line: time, lengths, summary, decoded layers')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .addHelpText(
      'after',
      `
Examples:
  ewpcap read                          the sample capture (no privileges needed)
  ewpcap read trace.pcapng -f 'udp port 53' -c 20
  ewpcap read trace.pcap --json > packets.jsonl`,
    )
    .action(action('read', read));
}

async function read(context: { filter?: string }, file: string | undefined, o: ReadOptions): Promise<number> {
  context.filter = o.filter;
  const sample = file === undefined;
  const name = file ?? SAMPLE_CAPTURE;
  const socket = await openOffline(name, o.filter === undefined ? {} : { filter: o.filter });
  process.stderr.write(
    `reading from file ${name}${sample ? ' (the sample capture that comes with ewpcap)' : ''}, ` +
      `link-type ${socket.datalinkName}, snapshot length ${socket.snaplen}\n`,
  );

  const size = statSync(name).size;
  const progress = { consumed: 0 };
  // What each packet takes in the file: pcap's 16-byte record header, or
  // pcapng's 32-byte enhanced packet block with the data padded to 4 bytes.
  const pcapng = isPcapng(name);
  const fileBytes = (caplen: number) => (pcapng ? 32 + ((caplen + 3) & ~3) : 16 + caplen);
  const status: StatusLine | undefined =
    o.progress && size >= PROGRESS_FROM_BYTES
      ? StatusLine.forStderr(
          (): string => `${bar(progress.consumed / size)}  ${printer.printed.toLocaleString('en-US')} packets`,
        )
      : undefined;
  // Lines to the same terminal as the bar: erase the bar first; it is redrawn at its next tick.
  const out: Pick<NodeJS.WritableStream, 'write'> =
    status && process.stdout.isTTY
      ? {
          write: (text: string) => {
            status.clear();
            return process.stdout.write(text);
          },
        }
      : process.stdout;
  const printer: PacketPrinter = new PacketPrinter(out, {
    json: o.json ?? false,
    count: o.count ?? Infinity,
  });
  status?.start();

  await new Promise<void>((resolve, reject) => {
    socket.on('batch', (b: PacketBatch) => {
      for (let i = 0; i < b.count; i++) progress.consumed += fileBytes(b.caplen(i));
      printer.print(b);
      b.release();
      if (printer.done) resolve();
    });
    socket.once('end', resolve);
    socket.once('error', reject);
  }).finally(() => status?.stop());
  await socket.close();
  return 0;
}

function isPcapng(file: string): boolean {
  const magic = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return magic.readUInt32BE(0) === 0x0a0d0d0a;
}
