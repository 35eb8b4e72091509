// clang-format off
#include "glibc_compat.h"  // first: pins libdl symbol versions on glibc
// clang-format on
#include "loader.h"

#include <cstdlib>
#include <mutex>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace {

std::mutex loadMutex;
Libpcap* loaded = nullptr;  // set once, never freed: libpcap stays for the process

#ifdef _WIN32
typedef HMODULE LibraryHandle;

std::string narrow(const std::wstring& w) {
  if (w.empty()) return std::string();
  int n = WideCharToMultiByte(CP_UTF8, 0, w.c_str(), (int)w.size(), nullptr, 0, nullptr, nullptr);
  std::string s(n, '\0');
  WideCharToMultiByte(CP_UTF8, 0, w.c_str(), (int)w.size(), &s[0], n, nullptr, nullptr);
  return s;
}

std::string lastError() {
  DWORD code = GetLastError();
  wchar_t* text = nullptr;
  FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                 code, 0, (LPWSTR)&text, 0, nullptr);
  std::string message = text ? narrow(text) : "error " + std::to_string(code);
  if (text) LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  return message;
}

// LOAD_WITH_ALTERED_SEARCH_PATH makes Windows look for wpcap.dll's own
// dependency, Packet.dll, in the directory of the full path given.
LibraryHandle openLibrary(const std::wstring& path, std::string* why) {
  HMODULE h = LoadLibraryExW(path.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
  if (!h) *why += "\n  " + narrow(path) + ": " + lastError();
  return h;
}

void* symbol(LibraryHandle h, const char* name) { return (void*)GetProcAddress(h, name); }

std::wstring envOverride() {
  wchar_t buf[32768];
  DWORD n = GetEnvironmentVariableW(L"EWPCAP_LIBPCAP", buf, 32768);
  return (n > 0 && n < 32768) ? std::wstring(buf, n) : std::wstring();
}

std::wstring npcapPath() {
  wchar_t dir[MAX_PATH];
  UINT n = GetSystemDirectoryW(dir, MAX_PATH);  // C:\Windows\System32
  return std::wstring(dir, n) + L"\\Npcap\\wpcap.dll";
}

const char* kInstallHint =
    "Install Npcap from https://npcap.com (the default options are enough), "
    "or set EWPCAP_LIBPCAP to the full path of a wpcap.dll.";
#else
typedef void* LibraryHandle;

LibraryHandle openLibrary(const std::string& path, std::string* why) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    *why += "\n  " + (e ? std::string(e) : path + ": not found");
  }
  return h;
}

void* symbol(LibraryHandle h, const char* name) { return dlsym(h, name); }

#ifdef __APPLE__
const char* kCandidates[] = {"libpcap.A.dylib", "/usr/lib/libpcap.A.dylib", "libpcap.dylib"};
const char* kInstallHint =
    "macOS ships libpcap in /usr/lib; if it is missing, install it with `brew install libpcap` "
    "and set EWPCAP_LIBPCAP to the library's path.";
#else
const char* kCandidates[] = {"libpcap.so.1", "libpcap.so.0.8", "libpcap.so"};
const char* kInstallHint =
    "Install the libpcap runtime: Debian/Ubuntu `apt-get install libpcap0.8`, "
    "Fedora/RHEL `dnf install libpcap`, Alpine `apk add libpcap`, Arch `pacman -S libpcap`; "
    "or set EWPCAP_LIBPCAP to the library's path.";
#endif
#endif

bool resolve(LibraryHandle h, Libpcap* lib, std::string* missing) {
#define EWPCAP_RESOLVE_REQUIRED(name, ret, params)               \
  lib->name = reinterpret_cast<ret(*) params>(symbol(h, #name)); \
  if (!lib->name) *missing += std::string(missing->empty() ? "" : ", ") + #name;
#define EWPCAP_RESOLVE_OPTIONAL(name, ret, params) lib->name = reinterpret_cast<ret(*) params>(symbol(h, #name));
  EWPCAP_REQUIRED_FUNCTIONS(EWPCAP_RESOLVE_REQUIRED)
  EWPCAP_PLATFORM_FUNCTIONS(EWPCAP_RESOLVE_REQUIRED)
  EWPCAP_OPTIONAL_FUNCTIONS(EWPCAP_RESOLVE_OPTIONAL)
#undef EWPCAP_RESOLVE_REQUIRED
#undef EWPCAP_RESOLVE_OPTIONAL
  return missing->empty();
}

}  // namespace

const Libpcap* loadLibpcap(std::string* error) {
  std::lock_guard<std::mutex> lock(loadMutex);
  if (loaded) return loaded;

  std::string why;
  LibraryHandle h = nullptr;
  std::string path;
#ifdef _WIN32
  std::wstring explicitPath = envOverride();
  std::wstring wpath = explicitPath.empty() ? npcapPath() : explicitPath;
  h = openLibrary(wpath, &why);
  path = narrow(wpath);
#else
  const char* explicitPath = std::getenv("EWPCAP_LIBPCAP");
  if (explicitPath && *explicitPath) {
    path = explicitPath;
    h = openLibrary(path, &why);
  } else {
    for (const char* candidate : kCandidates) {
      h = openLibrary(candidate, &why);
      if (h) {
        path = candidate;
        break;
      }
    }
  }
#endif
  if (!h) {
    *error = std::string("libpcap could not be loaded:") + why + "\n" + kInstallHint;
    return nullptr;
  }

  Libpcap* lib = new Libpcap();
  std::string missing;
  if (!resolve(h, lib, &missing)) {
    delete lib;
    // The library stays open: unloading it could run its destructors twice
    // if another part of the process loaded the same file.
    *error = "the library at " + path + " is not a usable libpcap (missing " + missing + ").\n" + kInstallHint;
    return nullptr;
  }
  lib->path = path;
  if (lib->pcap_init) {
    // UTF-8 error strings and device names on Windows; a no-op elsewhere.
    char errbuf[pcapabi::ERRBUF_SIZE];
    lib->pcap_init(pcapabi::CHAR_ENC_UTF_8, errbuf);
  }
  loaded = lib;
  return loaded;
}
