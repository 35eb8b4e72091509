// ES module entry: the CommonJS build re-exported by name.
import ewpcap from '../dist/index.js';

export const {
  open,
  openOffline,
  CaptureSocket,
  dev,
  getifaddrs,
  libVersion,
  diagnostics,
  prewarm,
  compile,
  BpfProgram,
  createSavefile,
  captureToFile,
  SavefileWriter,
  PacketBatch,
  PcapError,
  ErrorCode,
  DEFAULTS,
} = ewpcap;
export default ewpcap;
