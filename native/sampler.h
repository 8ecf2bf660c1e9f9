// A llama.cpp sampler chain (grammar, top-k, top-p, min-p, temperature, then greedy or seeded draw).
#pragma once

#include <napi.h>

#include "common.h"

namespace steer {

class ModelHandle;

class SamplerHandle : public Napi::ObjectWrap<SamplerHandle> {
public:
    static Napi::Function Define(Napi::Env env);

    // new SamplerHandle(model, {temperature, topK, topP, minP, seed, grammar, grammarRoot})
    explicit SamplerHandle(const Napi::CallbackInfo& info);
    ~SamplerHandle() override;

private:
    Napi::Value Sample(const Napi::CallbackInfo& info);
    Napi::Value Accept(const Napi::CallbackInfo& info);
    Napi::Value Reset(const Napi::CallbackInfo& info);
    Napi::Value Dispose(const Napi::CallbackInfo& info);

    void Release();

    SamplerPtr chain_;
    ModelHandle* model_ = nullptr;
    Napi::ObjectReference model_ref_;
};

}  // namespace steer
