// The capture thread's time slice (Linux 6.12+, sched_setattr).
#include <cstring>

#include "capture.h"
#include "errors.h"

#ifdef __linux__
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace {

#if defined(__linux__) && defined(SYS_sched_setattr) && defined(SYS_sched_getattr)
// struct sched_attr of the system calls (glibc before 2.41 has no wrapper and
// no declaration); the kernel accepts this first version's size.
struct SchedAttr {
  uint32_t size;
  uint32_t policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime;  // for SCHED_OTHER since Linux 6.12: the thread's time slice
  uint64_t deadline;
  uint64_t period;
};
#define EWPCAP_HAVE_SCHED_ATTR 1
#endif

// setThreadSlice(ns) -> ns: asks for a time slice of `ns` nanoseconds for
// the calling thread (0: the kernel's default), keeping its policy and nice
// value, and answers the slice now in effect (after 0, the kernel's base
// slice): 0 where the kernel has no per-thread slices (before Linux 6.12,
// other systems) or the thread is not SCHED_OTHER. The EEVDF scheduler gives
// a thread with a longer slice a later virtual deadline: a waking main thread
// then runs before it instead of queueing behind it, while its share of the
// CPU stays the same (nice sets that). Never throws for what the system
// refuses: it is a hint.
Napi::Value SetThreadSlice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throwError(env, "EINVAL", "setThreadSlice(ns): ns must be a number");
  double ns = info[0].As<Napi::Number>().DoubleValue();
  if (!(ns >= 0) || ns > 1e9) throwError(env, "EINVAL", "setThreadSlice(ns): ns must be 0 to 1e9");
#ifdef EWPCAP_HAVE_SCHED_ATTR
  SchedAttr attr;
  memset(&attr, 0, sizeof attr);
  if (syscall(SYS_sched_getattr, 0, &attr, static_cast<unsigned>(sizeof attr), 0u) != 0 || attr.policy != SCHED_OTHER)
    return Napi::Number::New(env, 0);
  attr.size = sizeof attr;
  attr.flags &= 0x01;  // SCHED_FLAG_RESET_ON_FORK, as it was; nothing else asked for
  attr.runtime = static_cast<uint64_t>(ns);
  if (syscall(SYS_sched_setattr, 0, &attr, 0u) != 0) return Napi::Number::New(env, 0);
  memset(&attr, 0, sizeof attr);
  if (syscall(SYS_sched_getattr, 0, &attr, static_cast<unsigned>(sizeof attr), 0u) != 0)
    return Napi::Number::New(env, 0);
  return Napi::Number::New(env, static_cast<double>(attr.runtime));
#else
  return Napi::Number::New(env, 0);
#endif
}

}  // namespace

void initThreadSlice(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreadSlice", Napi::Function::New(env, SetThreadSlice, "setThreadSlice"));
}
