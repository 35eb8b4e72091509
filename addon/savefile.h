#pragma once
#include <napi.h>
void initSavefile(Napi::Env env, Napi::Object exports);
// Closes (and so flushes) the savefile writers a thread opened, when its
// environment goes away: a terminated thread leaks no pcap_dumper_t.
void closeDumpersOwnedBy(napi_env env);
