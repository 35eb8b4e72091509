/** Test traffic for the namespace: raw frames and kernel UDP datagrams. */
import dgram from 'node:dgram';
import { macOf, T } from './netns';

/** Local experimental EtherType (IEEE 802): nothing else in the namespace sends it. */
export const ETHERTYPE = 0x88b5;
export const FRAME_FILTER = `ether proto 0x${ETHERTYPE.toString(16)}`;

function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));
}

/** An Ethernet frame from veth0 to veth1 carrying `seq` and a recognisable fill. */
export function frame(seq: number, size = 60, fill = 0xa5): Buffer {
  const f = Buffer.alloc(size, fill);
  macBytes(macOf(T.dev1)).copy(f, 0);
  macBytes(macOf(T.dev0)).copy(f, 6);
  f.writeUInt16BE(ETHERTYPE, 12);
  f.writeUInt32BE(seq, 14);
  return f;
}

/** Cached MACs, for hot loops. */
export function framer(): (seq: number, size?: number) => Buffer {
  const dst = macBytes(macOf(T.dev1));
  const src = macBytes(macOf(T.dev0));
  return (seq, size = 60) => {
    const f = Buffer.alloc(size, 0xa5);
    dst.copy(f, 0);
    src.copy(f, 6);
    f.writeUInt16BE(ETHERTYPE, 12);
    f.writeUInt32BE(seq, 14);
    return f;
  };
}

export function seqOf(data: Buffer): number {
  return data.readUInt32BE(14);
}

/** Sends UDP datagrams from veth0's address to the peer behind veth1, through the kernel. */
export async function sendUdp(port: number, payloads: Buffer[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind({ address: T.ip0 }, resolve));
  try {
    for (const p of payloads) {
      await new Promise<void>((resolve, reject) => sock.send(p, port, T.peer, (e) => (e ? reject(e) : resolve())));
    }
  } finally {
    sock.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Writes frames 0..count-1 through a socket at a moderate rate: 20 in flight,
 * then a 1 ms pause (about 12,000 frames/s here). Back-to-back bursts of
 * hundreds of frames overflow an immediate-mode ring, whose slots hold a
 * whole snaplen each; tcpdump drops them too (see docs/ARCHITECTURE.md).
 */
export async function sendFrames(
  w: { write(data: Uint8Array): Promise<void> },
  count: number,
  make: (seq: number) => Buffer = framer(),
  chunk = 20,
  pauseMs = 1,
): Promise<void> {
  for (let i = 0; i < count; i += chunk) {
    await Promise.all(Array.from({ length: Math.min(chunk, count - i) }, (_, j) => w.write(make(i + j))));
    if (pauseMs > 0) await sleep(pauseMs);
  }
}
