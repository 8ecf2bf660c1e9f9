// A loaded GGUF model: vocabulary, metadata and the weights contexts are created from.
#pragma once

#include <napi.h>

#include <atomic>

#include "common.h"

namespace steer {

class ModelHandle : public Napi::ObjectWrap<ModelHandle> {
public:
    static Napi::Function Define(Napi::Env env);

    explicit ModelHandle(const Napi::CallbackInfo& info);

    // Loads asynchronously: load(path, {gpuLayers, useMmap}) -> Promise<ModelHandle>
    static Napi::Value Load(const Napi::CallbackInfo& info);

    llama_model* model() const { return model_.get(); }
    const llama_vocab* vocab() const { return llama_model_get_vocab(model_.get()); }
    bool disposed() const { return !model_; }
    void RequireAlive(Napi::Env env) const;

    // Contexts created from this model keep it alive and are counted so dispose() can refuse.
    std::atomic<int> live_children{0};  // contexts and samplers built on this model

private:
    Napi::Value Info(const Napi::CallbackInfo& info);
    Napi::Value Metadata(const Napi::CallbackInfo& info);
    Napi::Value Tokenize(const Napi::CallbackInfo& info);
    Napi::Value Detokenize(const Napi::CallbackInfo& info);
    Napi::Value TokenBytes(const Napi::CallbackInfo& info);
    Napi::Value IsEndOfGeneration(const Napi::CallbackInfo& info);
    Napi::Value Dispose(const Napi::CallbackInfo& info);

    ModelPtr model_;
};

}  // namespace steer
