/**
 * ewpcap's README example, in TypeScript: every ICMP packet received on a
 * device is sent out again.
 *
 *   npx tsx examples/icmp-resend.ts [device] [count]
 *
 * Each packet is decoded and rebuilt with the encoder of `ewpcap/decode`
 * (lengths and checksums computed afresh) rather than resent as raw bytes:
 * change a field on the way (a TTL, an address) and the frame stays valid.
 * Only packets coming *in* are resent (direction 'in'); the Erlang original
 * also captured its own resent copies on some platforms. Stops after `count`
 * packets (default: never).
 */
import { open } from 'ewpcap';
import { decode, encode } from 'ewpcap/decode';

async function main(): Promise<void> {
  const [device = '', countArg] = process.argv.slice(2);
  const limit = countArg === undefined ? Infinity : Number(countArg);
  const socket = await open(device, { filter: 'icmp', direction: 'in' });
  console.log(`resending ICMP received on ${socket.device} (${socket.datalinkName})`);
  let resent = 0;
  for await (const packet of socket) {
    const decoded = decode(packet.datalink, packet.data);
    const frame = encode(decoded, { recompute: true });
    await socket.write(frame);
    console.log(`resent ${frame.length} bytes`);
    if (++resent >= limit) break; // leaving the loop closes the socket
  }
}

main().catch((e: { code?: string; message: string }) => {
  console.error(`icmp-resend: ${e.code ?? 'ERROR'}: ${e.message}`);
  process.exit(1);
});
