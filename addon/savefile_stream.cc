// Savefiles on FIFOs, pipes and terminals (see savefile_stream.h).
#include "savefile_stream.h"

#include <cerrno>
#include <cstring>

#include "capture.h"

#ifdef __linux__
#include <poll.h>
#include <unistd.h>

namespace {

// How long a read waits before it looks again whether the process is
// exiting or the handle is being closed: what bounds close() and exit while
// a writer stalls in the middle of a packet.
constexpr int kCheckMs = 250;

// Bytes read from the pipe at once. Kept here rather than in stdio's buffer
// so that the capture loop knows whether a packet can be read without
// waiting (stdio does not say how much it holds).
constexpr size_t kChunk = 64 * 1024;

struct Stream {
  int fd = -1;
  // The environment whose thread reads the stream (in openOffline and
  // next() only): its end ends a waiting read.
  napi_env reader = nullptr;
  CaptureHandle* handle = nullptr;  // set once registered; owns the FILE
  char buffer[kChunk];
  size_t start = 0;
  size_t end = 0;
  bool ended = false;      // read(2) said end of file
  bool abandoned = false;  // a read gave up: close, exit or the reader's end
};

bool stopped(const Stream& s) { return shuttingDown() || (s.handle && s.handle->stopRequested.load()); }

// Fills the buffer once, waiting for data in slices. 1: data or end of
// file; -1: stopped or failed (errno set).
int fill(Stream& s) {
  for (bool waited = false;; waited = true) {
    // The environment is probed only once a slice passed without data: its
    // probe costs a property look-up, and a flowing pipe returns soon anyway.
    if (stopped(s) || (waited && s.reader && environmentStopping(s.reader))) {
      s.abandoned = true;
      errno = EINTR;
      return -1;
    }
    struct pollfd p = {s.fd, POLLIN, 0};
    int r = poll(&p, 1, kCheckMs);
    if (r < 0 && errno != EINTR) return -1;
    if (r <= 0) continue;
    ssize_t n = ::read(s.fd, s.buffer, kChunk);
    if (n > 0) {
      s.start = 0;
      s.end = static_cast<size_t>(n);
      return 1;
    }
    if (n == 0) {
      s.ended = true;
      return 1;
    }
    if (errno != EAGAIN && errno != EINTR) return -1;
  }
}

ssize_t streamRead(void* cookie, char* out, size_t size) {
  Stream& s = *static_cast<Stream*>(cookie);
  if (s.start == s.end && !s.ended && fill(s) < 0) return -1;
  size_t n = s.end - s.start;
  if (n > size) n = size;
  memcpy(out, s.buffer + s.start, n);
  s.start += n;
  return static_cast<ssize_t>(n);
}

int streamClose(void* cookie) {
  Stream* s = static_cast<Stream*>(cookie);
  int r = ::close(s->fd);
  delete s;
  return r;
}

}  // namespace

FILE* openSavefileStream(int fd, napi_env reader, void** stream) {
  Stream* s = new Stream();
  s->fd = fd;
  s->reader = reader;
  cookie_io_functions_t io = {streamRead, nullptr, nullptr, streamClose};
  FILE* file = fopencookie(s, "rb", io);
  if (!file) {
    ::close(fd);
    delete s;
    return nullptr;
  }
  // Unbuffered: every byte stdio hands libpcap comes from Stream::buffer,
  // whose fill level the capture loop reads.
  setvbuf(file, nullptr, _IONBF, 0);
  *stream = s;
  return file;
}

void attachSavefileStream(void* stream, CaptureHandle* handle) {
  static_cast<Stream*>(stream)->handle = handle;
  handle->stream = stream;
}

bool savefileStreamAbandoned(void* stream) { return static_cast<Stream*>(stream)->abandoned; }

int waitSavefileStream(CaptureHandle* h, int timeoutMs) {
  Stream* s = static_cast<Stream*>(h->stream);
  if (s->start < s->end || s->ended) return 1;
  struct pollfd fds[2];
  fds[0] = {s->fd, POLLIN, 0};
  fds[1] = {h->wakeRead, POLLIN, 0};
  int r = poll(fds, h->wakeRead >= 0 ? 2 : 1, timeoutMs);
  if (r < 0) return errno == EINTR ? 0 : -1;
  if (r == 0) return 0;
  if (fds[0].revents) return 1;
  return 2;
}

#else

FILE* openSavefileStream(int fd, napi_env, void** stream) {
  (void)fd;
  (void)stream;
  return nullptr;
}
void attachSavefileStream(void*, CaptureHandle*) {}
bool savefileStreamAbandoned(void*) { return false; }
int waitSavefileStream(CaptureHandle*, int) { return 1; }

#endif
