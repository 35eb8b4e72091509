#pragma once
#include <napi.h>
void initSavefile(Napi::Env env, Napi::Object exports);
