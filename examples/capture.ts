/**
 * Capture on a device and print one line per packet, like `tcpdump -n`
 * without the decoding; optionally save the packets to a file as well.
 *
 *   npx tsx examples/capture.ts [device] [filter] [--count N] [--write FILE]
 *
 * With no device the default one is used. Ctrl-C prints libpcap's counters.
 */
import { open, type Packet } from 'ewpcap';

function parseArgs(argv: string[]) {
  const positional: string[] = [];
  let count = Infinity;
  let write: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--count') count = Number(argv[++i]);
    else if (argv[i] === '--write') write = argv[++i];
    else positional.push(argv[i]!);
  }
  return { device: positional[0] ?? '', filter: positional[1] ?? '', count, write };
}

function describe(p: Packet<number>): string {
  const time = new Date(p.time / 1000).toISOString().slice(11, 23);
  const d = p.data;
  const mac = (at: number) => Array.from(d.subarray(at, at + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
  const type = d.length >= 14 ? d.readUInt16BE(12).toString(16).padStart(4, '0') : '????';
  return `${time} ${mac(6)} > ${mac(0)} ethertype 0x${type} length ${p.length}`;
}

async function main(): Promise<void> {
  const { device, filter, count, write } = parseArgs(process.argv.slice(2));
  const socket = await open(device, { filter, timeUnit: 'microsecond' });
  console.error(`listening on ${socket.device}, link-type ${socket.datalinkName}, snapshot length ${socket.snaplen}`);
  if (write) await socket.record(write, { deliver: true });
  socket.on('warning', (w: string) => console.error(`warning: ${w}`));

  let seen = 0;
  const finish = async () => {
    if (write) console.error(`${await socket.stopRecording()} packets written to ${write}`);
    const stats = await socket.stats();
    await socket.close();
    console.error(`${seen} packets captured, ${stats.recv} received by filter, ${stats.drop} dropped by kernel`);
  };
  process.once('SIGINT', () => void finish());
  socket.on('packet', (p: Packet<number>) => {
    if (socket.datalink === 1) console.log(describe(p));
    else console.log(`${p.time} length ${p.length}`);
    if (++seen === count) void finish();
  });
}

main().catch((e: { code?: string; message: string }) => {
  console.error(`capture: ${e.code ?? 'ERROR'}: ${e.message}`);
  process.exit(1);
});
