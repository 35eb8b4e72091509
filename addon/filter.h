#pragma once
#include <napi.h>
void initFilter(Napi::Env env, Napi::Object exports);
