// Process-wide llama.cpp state: backend plugins and the log sink (llama_log_set is global).
#pragma once

#include <napi.h>

namespace steer {

void RegisterBackendFunctions(Napi::Env env, Napi::Object exports);

}  // namespace steer
