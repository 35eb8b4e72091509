/** `ewpcap send`: injects the frames of a savefile on a device, optionally at a fixed rate. */
import type { Command } from 'commander';
import { open, openOffline } from '../index';
import { action } from './action';
import { integer, positiveNumber } from './options';

interface SendOptions {
  interface?: string;
  rate?: number;
  count?: number;
}

/** Writes in flight at once when no rate is given: enough to keep the capture thread busy. */
const WRITES_IN_FLIGHT = 64;

export function registerSend(root: Command): void {
  root
    .command('send')
    .description('inject the frames of a savefile on a device (pcap_sendpacket), in order')
    .argument('<file>', 'pcap or pcapng file whose frames to send')
    .option('-i, --interface <device>', 'device to send on (default: the first that `ewpcap list` shows)')
    .option('--rate <pps>', 'frames per second (default: as fast as the device takes them)', positiveNumber)
    .option('-c, --count <n>', 'send only the first n frames', integer(1))
    .addHelpText(
      'after',
      `
Sending needs the same privileges as capturing. The frames go out as they are
in the file: their link type must be the device's.

Examples:
  ewpcap send trace.pcap -i eth0
  ewpcap send trace.pcap -i eth0 --rate 100 -c 1000`,
    )
    .action(action('send', send));
}

async function send(context: { device?: string }, file: string, o: SendOptions): Promise<number> {
  context.device = o.interface;
  const frames = await openOffline(file);
  const device = await open(o.interface ?? '');
  context.device = device.device;
  const count = o.count ?? Infinity;
  const started = process.hrtime.bigint();
  let sent = 0;
  let bytes = 0;
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  try {
    const pending: Promise<void>[] = [];
    for await (const p of frames) {
      if (stop || sent >= count) break;
      if (o.rate !== undefined) {
        const due = started + BigInt(Math.round((sent / o.rate) * 1e9));
        const wait = Number(due - process.hrtime.bigint()) / 1e6;
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await device.write(p.data);
      } else {
        pending.push(device.write(p.data));
        if (pending.length >= WRITES_IN_FLIGHT) await Promise.all(pending.splice(0));
      }
      sent++;
      bytes += p.data.length;
    }
    await Promise.all(pending);
  } finally {
    process.removeListener('SIGINT', onSignal);
    await Promise.all([frames.close(), device.close()]);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stderr.write(`${sent} packets sent (${bytes} bytes) on ${device.device} in ${seconds.toFixed(3)} s\n`);
  return 0;
}
