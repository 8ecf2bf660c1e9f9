#include "backend.h"

#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>

#include "ggml-backend.h"
#include "ggml.h"
#include "llama.h"

namespace steer {

namespace {

// llama.cpp logs from any thread. We print at or above the chosen level and keep the last warning and
// error lines so a failed load can say *why* ("tensor data is not within file bounds") instead of "failed".
struct LogSink {
    std::mutex mutex;
    int min_level = GGML_LOG_LEVEL_ERROR;
    bool last_printed = false;
    ggml_log_level last_level = GGML_LOG_LEVEL_NONE;
    std::deque<std::string> recent;
};

LogSink& Sink() {
    static LogSink* sink = new LogSink();  // never destroyed: llama.cpp may log during process exit
    return *sink;
}

void OnLog(ggml_log_level level, const char* text, void*) {
    LogSink& s = Sink();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (level == GGML_LOG_LEVEL_CONT) {
        level = s.last_level;
    } else {
        s.last_level = level;
        s.last_printed = level >= s.min_level;
    }
    if (s.last_printed) std::fputs(text, stderr);
    if (level >= GGML_LOG_LEVEL_WARN) {
        s.recent.emplace_back(text);
        while (s.recent.size() > 32) s.recent.pop_front();
    }
}

Napi::Value SetLogLevel(const Napi::CallbackInfo& info) {
    int level = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : GGML_LOG_LEVEL_ERROR;
    {
        std::lock_guard<std::mutex> lock(Sink().mutex);
        Sink().min_level = level;
    }
    llama_log_set(OnLog, nullptr);
    return info.Env().Undefined();
}

// takeRecentLogs() -> string[]: warnings and errors since the last call
Napi::Value TakeRecentLogs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    LogSink& s = Sink();
    std::lock_guard<std::mutex> lock(s.mutex);
    Napi::Array out = Napi::Array::New(env, s.recent.size());
    for (size_t i = 0; i < s.recent.size(); ++i) out.Set(static_cast<uint32_t>(i), s.recent[i]);
    s.recent.clear();
    return out;
}

// loadBackends(dir?): loads the backend plugins of the given folder once, unless some are registered already
// (two copies of the CPU plugin would appear as two devices).
Napi::Value LoadBackends(const Napi::CallbackInfo& info) {
    bool has_cpu = ggml_backend_reg_by_name("CPU") != nullptr;
    if (!has_cpu) {
        if (info.Length() > 0 && info[0].IsString()) {
            ggml_backend_load_all_from_path(info[0].As<Napi::String>().Utf8Value().c_str());
        } else {
            ggml_backend_load_all();
        }
    }
    llama_backend_init();
    return Napi::Boolean::New(info.Env(), ggml_backend_reg_by_name("CPU") != nullptr);
}

// loadBackendFile(path) -> boolean: loads one backend plugin file (a GPU backend from another of node-llama-cpp's
// packages of the same build). False when it fails to load or reports no support here; the reason is in the
// logs (takeRecentLogs()).
Napi::Value LoadBackendFile(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
        Napi::TypeError::New(env, "loadBackendFile(path)").ThrowAsJavaScriptException();
        return env.Null();
    }
    ggml_backend_reg_t reg = ggml_backend_load(info[0].As<Napi::String>().Utf8Value().c_str());
    return Napi::Boolean::New(env, reg != nullptr);
}

Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    Napi::Array devices = Napi::Array::New(env);
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t d = ggml_backend_dev_get(i);
        Napi::Object dev = Napi::Object::New(env);
        dev.Set("name", ggml_backend_dev_name(d));
        dev.Set("description", ggml_backend_dev_description(d));
        const char* type = "cpu";
        switch (ggml_backend_dev_type(d)) {
            case GGML_BACKEND_DEVICE_TYPE_GPU: type = "gpu"; break;
            case GGML_BACKEND_DEVICE_TYPE_IGPU: type = "igpu"; break;
            case GGML_BACKEND_DEVICE_TYPE_ACCEL: type = "accel"; break;
            default: break;
        }
        dev.Set("type", type);
        devices.Set(static_cast<uint32_t>(i), dev);
    }
    o.Set("devices", devices);
    o.Set("systemInfo", llama_print_system_info());
    o.Set("supportsGpuOffload", llama_supports_gpu_offload());
    return o;
}

// dequantize(ggmlType, bytes: Uint8Array, nElements) -> Float32Array, through ggml's own type traits, so
// any quantization llama.cpp reads (Q4_K, Q6_K, ...) can be turned back into floats (e.g. one output row).
Napi::Value Dequantize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[2].IsNumber()) {
        Napi::TypeError::New(env, "dequantize(type, bytes, nElements)").ThrowAsJavaScriptException();
        return env.Null();
    }
    const int type = info[0].As<Napi::Number>().Int32Value();
    Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
    const int64_t n = info[2].As<Napi::Number>().Int64Value();
    if (type < 0 || type >= GGML_TYPE_COUNT || n <= 0) {
        Napi::RangeError::New(env, "unknown ggml type or bad element count").ThrowAsJavaScriptException();
        return env.Null();
    }
    const ggml_type t = static_cast<ggml_type>(type);
    const ggml_type_traits* traits = ggml_get_type_traits(t);
    const int64_t block = ggml_blck_size(t);
    if (!traits || block <= 0 || n % block != 0 || static_cast<size_t>(n / block) * ggml_type_size(t) != bytes.ByteLength() ||
        (t != GGML_TYPE_F32 && !traits->to_float)) {
        Napi::RangeError::New(env, "byte length does not match the type and element count").ThrowAsJavaScriptException();
        return env.Null();
    }
    Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(n));
    if (t == GGML_TYPE_F32) {
        std::memcpy(out.Data(), bytes.Data(), static_cast<size_t>(n) * sizeof(float));
    } else {
        traits->to_float(bytes.Data(), out.Data(), n);
    }
    return out;
}

}  // namespace

void RegisterBackendFunctions(Napi::Env env, Napi::Object exports) {
    exports.Set("setLogLevel", Napi::Function::New(env, SetLogLevel));
    exports.Set("takeRecentLogs", Napi::Function::New(env, TakeRecentLogs));
    exports.Set("loadBackends", Napi::Function::New(env, LoadBackends));
    exports.Set("loadBackendFile", Napi::Function::New(env, LoadBackendFile));
    exports.Set("backendInfo", Napi::Function::New(env, BackendInfo));
    exports.Set("dequantize", Napi::Function::New(env, Dequantize));
}

}  // namespace steer
