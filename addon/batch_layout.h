// The one definition of the packet batch layout. A batch is one ArrayBuffer:
//
//   header   kHeaderWords x uint32   [count, dataStart, precision, datalink, byteLength]
//   records  count x kRecordWords x uint32, one per packet:
//            [secondsLow, secondsHigh, fraction, caplen, wireLength, dataOffset]
//   data     the captured bytes, packet after packet; dataOffset is relative
//            to dataStart
//
// byteLength is the bytes the batch uses: the ArrayBuffer may be larger when
// it is a recycled one (PacketBatch.release()). All words are in host byte order, so lib/batch.ts reads them through a
// Uint32Array. fraction is microseconds or nanoseconds, as precision says
// (0 = micro, 1 = nano). The constants are exported to JavaScript by the
// addon (addon.cc) so the reader never repeats them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace batch {
constexpr uint32_t kHeaderWords = 5;
constexpr uint32_t kRecordWords = 6;
enum HeaderWord : uint32_t { kCount = 0, kDataStart = 1, kPrecision = 2, kDatalink = 3, kByteLength = 4 };
enum RecordWord : uint32_t {
  kSecondsLow = 0,
  kSecondsHigh = 1,
  kFraction = 2,
  kCaplen = 3,
  kWireLength = 4,
  kDataOffset = 5
};
}  // namespace batch
