/**
 * Read a pcap or pcapng file and print per-protocol counts, without blocking
 * the event loop however large the file.
 *
 *   npx tsx examples/read-file.ts FILE [filter]
 */
import { openOffline, type PacketBatch } from 'ewpcap';

async function main(): Promise<void> {
  const [file, filter = ''] = process.argv.slice(2);
  if (!file) throw Object.assign(new Error('usage: read-file.ts FILE [filter]'), { code: 'EINVAL' });
  const socket = await openOffline(file, { filter });
  const byEthertype = new Map<string, number>();
  let packets = 0;
  let bytes = 0;
  // The batch API: no object per packet.
  socket.on('batch', (b: PacketBatch) => {
    for (let i = 0; i < b.count; i++) {
      packets++;
      bytes += b.length(i);
      if (socket.datalink === 1 && b.caplen(i) >= 14) {
        const at = b.offset(i) + 12;
        const type = ((b.bytes[at]! << 8) | b.bytes[at + 1]!).toString(16).padStart(4, '0');
        byEthertype.set(type, (byEthertype.get(type) ?? 0) + 1);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  console.log(`${file}: ${packets} packets, ${bytes} bytes on the wire, link-type ${socket.datalinkName}`);
  for (const [type, n] of [...byEthertype].sort((a, b) => b[1] - a[1])) console.log(`  ethertype 0x${type}: ${n}`);
}

main().catch((e: { code?: string; message: string }) => {
  console.error(`read-file: ${e.code ?? 'ERROR'}: ${e.message}`);
  process.exit(1);
});
