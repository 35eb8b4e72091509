/**
 * ewpcap's README example, in TypeScript: every ICMP packet received on a
 * device is sent out again, unchanged.
 *
 *   npx tsx examples/icmp-resend.ts [device] [count]
 *
 * Only packets coming *in* are resent (direction 'in'); the Erlang original
 * also captured its own resent copies on some platforms. Stops after `count`
 * packets (default: never).
 */
import { open } from 'ewpcap';

async function main(): Promise<void> {
  const [device = '', countArg] = process.argv.slice(2);
  const limit = countArg === undefined ? Infinity : Number(countArg);
  const socket = await open(device, { filter: 'icmp', direction: 'in' });
  console.log(`resending ICMP received on ${socket.device} (${socket.datalinkName})`);
  let resent = 0;
  for await (const packet of socket) {
    await socket.write(packet.data);
    console.log(`resent ${packet.length} bytes`);
    if (++resent >= limit) break; // leaving the loop closes the socket
  }
}

main().catch((e: { code?: string; message: string }) => {
  console.error(`icmp-resend: ${e.code ?? 'ERROR'}: ${e.message}`);
  process.exit(1);
});
