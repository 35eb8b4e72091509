#pragma once
#include <napi.h>
void initDevices(Napi::Env env, Napi::Object exports);
