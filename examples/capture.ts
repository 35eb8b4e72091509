/**
 * Capture on a device and print one line per packet, like `tcpdump -n -e`
 * for the link layer; optionally save the packets to a file as well.
 *
 *   npx tsx examples/capture.ts [device] [filter] [--count N] [--write FILE]
 *
 * With no device the default one is used. Ctrl-C prints libpcap's counters.
 */
import { parseArgs } from 'node:util';
import { open, type Packet } from 'ewpcap';

function options() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { count: { type: 'string' }, write: { type: 'string' } },
  });
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count >= 1)) throw Object.assign(new Error(`--count ${values.count}: not a count`), { code: 'EINVAL' });
  return { device: positionals[0] ?? '', filter: positionals[1] ?? '', count, write: values.write };
}

function describe(p: Packet<number>): string {
  const time = new Date(p.time / 1000).toISOString().slice(11, 23);
  const d = p.data;
  const mac = (at: number) => Array.from(d.subarray(at, at + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
  const type = d.length >= 14 ? d.readUInt16BE(12).toString(16).padStart(4, '0') : '????';
  return `${time} ${mac(6)} > ${mac(0)} ethertype 0x${type} length ${p.length}`;
}

async function main(): Promise<void> {
  const { device, filter, count, write } = options();
  const socket = await open(device, { filter, timeUnit: 'microsecond' });
  console.error(`listening on ${socket.device}, link-type ${socket.datalinkName}, snapshot length ${socket.snaplen}`);
  // The file stops at the count on the capture thread; a burst delivered in
  // one batch must not put more packets in the file than on the screen.
  if (write) await socket.record(write, { deliver: true, ...(count === Infinity ? {} : { count }) });
  socket.on('warning', (w: string) => console.error(`warning: ${w}`));

  let seen = 0;
  let finishing = false;
  const finish = async () => {
    if (finishing) return;
    finishing = true;
    socket.removeAllListeners('packet');
    if (write) console.error(`${await socket.stopRecording()} packets written to ${write}`);
    const stats = await socket.stats();
    await socket.close();
    console.error(`${seen} packets captured, ${stats.recv} received by filter, ${stats.drop} dropped by kernel`);
  };
  process.once('SIGINT', () => void finish());
  socket.on('packet', (p: Packet<number>) => {
    if (seen === count) return; // the rest of the batch that held the last one
    seen++;
    if (socket.datalink === 1) console.log(describe(p));
    else console.log(`${p.time} length ${p.length}`);
    if (seen === count) void finish();
  });
}

main().catch((e: { code?: string; message: string }) => {
  console.error(`capture: ${e.code ?? 'ERROR'}: ${e.message}`);
  process.exit(1);
});
