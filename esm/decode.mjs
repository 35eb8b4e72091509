// ES module entry of ewpcap/decode: the CommonJS build re-exported by name.
import decoder from '../dist/decode/index.js';

export const { decode, summary, tcpFlagString, FlowDecoder, LinkType, MAX_LAYERS, TcpFlag, FlowStop } = decoder;
export const { encode, crc32c, internetChecksum, pseudoHeaderSum } = decoder;
export default decoder;
