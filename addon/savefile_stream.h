// A savefile on a FIFO, a pipe or a terminal (Linux): read through a FILE of
// our own whose reads wait with poll(), so that a stalled writer delays only
// the packets it has not written, and close and process exit stay bounded.
#pragma once
#include <node_api.h>

#include <cstdio>

struct CaptureHandle;

// Opens `fd` (non-regular, owned from now on) as an unbuffered FILE for
// libpcap and sets *stream to its state, or returns nullptr (and closes
// `fd`). Reads wait for data in slices of 250 ms, giving up on process
// shutdown, on the end of `reader` (the environment whose thread calls
// libpcap on it: Worker.terminate(), process.exit() in a worker) or, once
// attached, on the handle's close request. The FILE owns the state: fclose
// (pcap_close) frees it.
FILE* openSavefileStream(int fd, napi_env reader, void** stream);

// Binds a stream to the handle that reads it: the handle's stopRequested
// then ends a waiting read, and the capture loop finds it at handle->stream.
void attachSavefileStream(void* stream, CaptureHandle* handle);

// Whether a read gave up waiting (close, exit, the reader's end): libpcap's
// failure that followed is not the file's.
bool savefileStreamAbandoned(void* stream);

// Whether a read would return at once (buffered bytes, data or end of file
// in the pipe), waiting up to timeoutMs (0: just look) for it or for the
// handle's wake channel. Returns 1 readable, 0 timed out, 2 woken, -1 error.
int waitSavefileStream(CaptureHandle* handle, int timeoutMs);
