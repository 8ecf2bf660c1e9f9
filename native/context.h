// A llama.cpp context with the steering hook attached, its own persistent CPU threadpool, and an
// abort flag that a running decode checks between graph nodes.
#pragma once

#include <napi.h>

#include <atomic>

#include "common.h"
#include "hook.h"

struct ggml_threadpool;

namespace steer {

class ModelHandle;

class ContextHandle : public Napi::ObjectWrap<ContextHandle> {
public:
    static Napi::Function Define(Napi::Env env);

    // new ContextHandle(model, {nCtx, nBatch, nSeqMax, nThreads, kvUnified, threadpool, flashAttention})
    explicit ContextHandle(const Napi::CallbackInfo& info);
    ~ContextHandle() override;

    llama_context* ctx() const { return ctx_.get(); }
    ModelHandle* model() const { return model_; }
    void RequireIdle(Napi::Env env) const;

    HookState hook;
    std::atomic<bool> abort_requested{false};
    std::atomic<bool> busy{false};

private:
    Napi::Value Info(const Napi::CallbackInfo& info);
    Napi::Value Decode(const Napi::CallbackInfo& info);
    Napi::Value Logits(const Napi::CallbackInfo& info);
    Napi::Value SetControlVector(const Napi::CallbackInfo& info);
    Napi::Value ClearMemory(const Napi::CallbackInfo& info);
    Napi::Value RemoveSequence(const Napi::CallbackInfo& info);
    Napi::Value CopySequence(const Napi::CallbackInfo& info);
    Napi::Value SetAbort(const Napi::CallbackInfo& info);
    Napi::Value Dispose(const Napi::CallbackInfo& info);
    void Release();

    ModelHandle* model_ = nullptr;
    Napi::ObjectReference model_ref_;   // keeps the model alive as long as this context
    ContextPtr ctx_;
    ggml_threadpool* threadpool_ = nullptr;
    int n_batch_ = 0;
    int n_seq_max_ = 1;
};

}  // namespace steer
