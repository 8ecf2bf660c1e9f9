// Shared helpers for the addon: argument extraction that throws readable JS errors, and owning
// pointer types for llama.cpp handles so every create is paired with its free.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "llama.h"

namespace steer {

struct ModelDeleter {
    void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextDeleter {
    void operator()(llama_context* c) const { llama_free(c); }
};
struct SamplerDeleter {
    void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using ModelPtr = std::unique_ptr<llama_model, ModelDeleter>;
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Per-environment state. The main thread and every worker thread that loads the addon is its own Node
// environment with its own JS heap: a class constructor created in one must never be used from another, so
// they live in the environment's instance data (freed with it), not in statics shared by all of them.
struct AddonData {
    Napi::FunctionReference model_constructor;
    Napi::FunctionReference context_constructor;
};

inline AddonData& DataOf(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

// Errors thrown from native code carry a stable `code` the TypeScript seam maps to SteerError codes.
inline Napi::Error MakeError(Napi::Env env, const std::string& code, const std::string& message) {
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", Napi::String::New(env, code));
    return err;
}

[[noreturn]] inline void Throw(Napi::Env env, const std::string& code, const std::string& message) {
    throw MakeError(env, code, message);
}

inline void RequireArgs(const Napi::CallbackInfo& info, size_t n, const char* fn) {
    if (info.Length() < n) Throw(info.Env(), "ERR_INVALID_ARGUMENT", std::string(fn) + ": expected " + std::to_string(n) + " arguments");
}

inline Napi::Object ObjectArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
    if (!info[i].IsObject()) Throw(info.Env(), "ERR_INVALID_ARGUMENT", std::string("expected an object for ") + what);
    return info[i].As<Napi::Object>();
}

inline std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
    if (!info[i].IsString()) Throw(info.Env(), "ERR_INVALID_ARGUMENT", std::string("expected a string for ") + what);
    return info[i].As<Napi::String>().Utf8Value();
}

inline double NumberProp(const Napi::Object& o, const char* key, double fallback) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return fallback;
    if (!v.IsNumber()) Throw(o.Env(), "ERR_INVALID_ARGUMENT", std::string("expected a number for ") + key);
    return v.As<Napi::Number>().DoubleValue();
}

inline bool BoolProp(const Napi::Object& o, const char* key, bool fallback) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return fallback;
    if (!v.IsBoolean()) Throw(o.Env(), "ERR_INVALID_ARGUMENT", std::string("expected a boolean for ") + key);
    return v.As<Napi::Boolean>().Value();
}

template <typename TypedArray>
inline TypedArray TypedArrayProp(const Napi::Object& o, const char* key, napi_typedarray_type type, const char* type_name) {
    Napi::Value v = o.Get(key);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
        Throw(o.Env(), "ERR_INVALID_ARGUMENT", std::string("expected a ") + type_name + " for " + key);
    }
    return v.As<TypedArray>();
}

}  // namespace steer
