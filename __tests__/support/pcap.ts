/** The 24-byte header of a classic pcap file: microsecond timestamps, little-endian, version 2.4. */
export function pcapHeader(linkType = 1, snaplen = 65535): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(snaplen, 16);
  header.writeUInt32LE(linkType, 20);
  return header;
}
