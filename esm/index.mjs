// ES module entry: the CommonJS build re-exported by name.
import ewpcap from '../dist/index.js';

export const { open, CaptureSocket, dev, getifaddrs, libVersion, diagnostics, PacketBatch, PcapError, ErrorCode, DEFAULTS } =
  ewpcap;
export default ewpcap;
