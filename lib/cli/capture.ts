/**
 * `ewpcap capture`: packets from a device, one line each (or JSON lines), or
 * into a savefile with a live status line. Ctrl-C (or -c) stops cleanly: the
 * file is flushed and closed, then tcpdump's closing figures are printed.
 */
import type { Command } from 'commander';
import type { PacketBatch } from '../index';
import { open } from '../index';
import { action } from './action';
import { UsageError } from './failure';
import { integer } from './options';
import { PacketPrinter } from './packets';
import { StatusLine, bytesText } from './terminal';

interface CaptureOptions {
  interface?: string;
  filter?: string;
  count?: number;
  snaplen?: number;
  /** false with -p (commander's negated --no-promiscuous-mode), as tcpdump's -p. */
  promiscuousMode?: boolean;
  timeout?: number;
  write?: string;
  json?: boolean;
}

export function registerCapture(root: Command): void {
  root
    .command('capture')
    .description('capture packets and print one line each (as tcpdump -n -q), or write them to a file (-w)')
    .argument('[expression...]', 'filter expression, as tcpdump takes it (or -f)')
    .option('-i, --interface <device>', 'device to capture on (default: the first that `ewpcap list` shows)')
    .option('-f, --filter <expression>', 'BPF filter expression, e.g. "udp port 53"')
    .option('-c, --count <n>', 'stop after n packets', integer(1, 0xfffffffe))
    .option('-s, --snaplen <bytes>', 'bytes captured of each packet (default 65535)', integer(1, 262144))
    .option('-p, --no-promiscuous-mode', "don't put the device into promiscuous mode (as tcpdump -p)")
    .option('--timeout <ms>', "libpcap's buffer timeout; 0 delivers each packet at once (the default)", integer(0))
    .option('-w, --write <file>', 'write the packets to a pcap file (tcpdump -w) instead of printing them')
    .option('--json', 'one JSON object per packet and line: time, lengths, summary, decoded layers')
    .addHelpText(
      'after',
      `
Capturing needs privileges (root, or see "Privileges" in the README); without
them the command prints how to get them.

Examples:
  ewpcap capture -i eth0 -c 10
  ewpcap capture -i eth0 udp port 53
  ewpcap capture -i eth0 -w dns.pcap -f 'udp port 53'     Ctrl-C stops
  ewpcap capture -i eth0 --json | jq .summary`,
    )
    .action(action('capture', capture));
}

async function capture(
  context: { device?: string; filter?: string },
  expression: string[],
  o: CaptureOptions,
): Promise<number> {
  if (o.filter !== undefined && expression.length > 0) {
    // Taking one would drop the other without a word.
    throw new UsageError(
      `a filter in -f ('${o.filter}') and as the expression ('${expression.join(' ')}'): give one of them`,
    );
  }
  const filter = o.filter ?? (expression.length > 0 ? expression.join(' ') : undefined);
  context.device = o.interface;
  context.filter = filter;
  const socket = await open(o.interface ?? '', {
    ...(filter === undefined ? {} : { filter }),
    ...(o.snaplen === undefined ? {} : { snaplen: o.snaplen }),
    ...(o.timeout === undefined || o.timeout === 0 ? {} : { timeout: o.timeout }),
    promisc: o.promiscuousMode !== false,
  });
  context.device = socket.device;
  const count = o.count ?? Infinity;
  process.stderr.write(
    `listening on ${socket.device}, link-type ${socket.datalinkName}, snapshot length ${socket.snaplen} bytes\n`,
  );
  socket.on('warning', (w: string) => process.stderr.write(`ewpcap capture: warning: ${w}\n`));

  let stop!: () => void;
  const stopped = new Promise<void>((resolve, reject) => {
    stop = resolve;
    socket.once('error', reject);
  });
  const onSignal = () => stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let status: StatusLine | undefined;
  let captured: () => number;
  if (o.write !== undefined) {
    // The file is written on the capture thread (as tcpdump -w); the batches
    // also come here, only to be counted for the status line.
    await socket.record(o.write, { deliver: true, ...(o.count === undefined ? {} : { count: o.count }) });
    const counter = { packets: 0, bytes: 0, drop: 0 };
    socket.on('batch', (b: PacketBatch) => {
      const n = Math.min(b.count, count - counter.packets);
      for (let i = 0; i < n; i++) counter.bytes += b.length(i);
      counter.packets += n;
      b.release();
    });
    socket.on('recorded', (written: number) => {
      if (written >= count) stop();
    });
    status = StatusLine.forStderr(rateLine(counter), 250)?.start();
    const poll = setInterval(() => {
      socket.stats().then(
        (s) => (counter.drop = s.drop),
        () => {},
      );
    }, 1000).unref();
    void stopped.finally(() => clearInterval(poll)).catch(() => {});
    captured = () => counter.packets;
  } else {
    const printer = new PacketPrinter(process.stdout, { json: o.json ?? false, count });
    socket.on('batch', (b: PacketBatch) => {
      printer.print(b);
      b.release();
      if (printer.done) stop();
    });
    captured = () => printer.printed;
  }

  try {
    await stopped;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    socket.removeAllListeners('batch');
  }
  // A second Ctrl-C while closing ends at once.
  process.once('SIGINT', () => process.exit(130));
  const written = o.write !== undefined ? await socket.stopRecording() : undefined;
  const stats = await socket.stats();
  await socket.close();
  status?.stop();
  process.stderr.write(
    `${written ?? captured()} packets captured\n${stats.recv} packets received by filter\n` +
      `${stats.drop} packets dropped by kernel\n`,
  );
  return 0;
}

/** The status line of a capture to a file: packets, bytes, rate over the last refresh, kernel drops. */
function rateLine(counter: { packets: number; bytes: number; drop: number }): () => string {
  let lastTime = process.hrtime.bigint();
  let lastPackets = 0;
  let rate = 0;
  return () => {
    const now = process.hrtime.bigint();
    const seconds = Number(now - lastTime) / 1e9;
    if (seconds >= 0.2) {
      rate = (counter.packets - lastPackets) / seconds;
      lastTime = now;
      lastPackets = counter.packets;
    }
    return (
      `${counter.packets.toLocaleString('en-US')} packets, ${bytesText(counter.bytes)}, ` +
      `${Math.round(rate).toLocaleString('en-US')} packets/s, ${counter.drop} dropped by kernel`
    );
  };
}
