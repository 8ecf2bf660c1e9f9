#include "sampler.h"

#include <string>

#include "context.h"
#include "model.h"

namespace steer {

Napi::Function SamplerHandle::Define(Napi::Env env) {
    return DefineClass(env, "SamplerHandle",
                       {
                           InstanceMethod("sample", &SamplerHandle::Sample),
                           InstanceMethod("accept", &SamplerHandle::Accept),
                           InstanceMethod("reset", &SamplerHandle::Reset),
                           InstanceMethod("dispose", &SamplerHandle::Dispose),
                       });
}

SamplerHandle::SamplerHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SamplerHandle>(info) {
    Napi::Env env = info.Env();
    RequireArgs(info, 2, "SamplerHandle");
    if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(DataOf(env).model_constructor.Value())) Throw(env, "ERR_INVALID_ARGUMENT", "expected a ModelHandle");
    ModelHandle* model = ModelHandle::Unwrap(info[0].As<Napi::Object>());
    model->RequireAlive(env);
    Napi::Object opts = ObjectArg(info, 1, "sampler options");

    llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    cp.no_perf = true;
    chain_.reset(llama_sampler_chain_init(cp));

    Napi::Value grammar = opts.Get("grammar");
    if (grammar.IsString()) {
        const std::string text = grammar.As<Napi::String>().Utf8Value();
        Napi::Value root_val = opts.Get("grammarRoot");
        const std::string root = root_val.IsString() ? root_val.As<Napi::String>().Utf8Value() : "root";
        llama_sampler* g = llama_sampler_init_grammar(model->vocab(), text.c_str(), root.c_str());
        if (!g) Throw(env, "ERR_GRAMMAR_INVALID", "llama.cpp could not parse the GBNF grammar");
        llama_sampler_chain_add(chain_.get(), g);
    }

    const double temperature = NumberProp(opts, "temperature", 0);
    if (temperature <= 0) {
        llama_sampler_chain_add(chain_.get(), llama_sampler_init_greedy());
    } else {
        const int top_k = static_cast<int>(NumberProp(opts, "topK", 0));
        const double top_p = NumberProp(opts, "topP", 1);
        const double min_p = NumberProp(opts, "minP", 0);
        if (top_k > 0) llama_sampler_chain_add(chain_.get(), llama_sampler_init_top_k(top_k));
        if (top_p < 1) llama_sampler_chain_add(chain_.get(), llama_sampler_init_top_p(static_cast<float>(top_p), 1));
        if (min_p > 0) llama_sampler_chain_add(chain_.get(), llama_sampler_init_min_p(static_cast<float>(min_p), 1));
        llama_sampler_chain_add(chain_.get(), llama_sampler_init_temp(static_cast<float>(temperature)));
        const double seed = NumberProp(opts, "seed", LLAMA_DEFAULT_SEED);
        llama_sampler_chain_add(chain_.get(), llama_sampler_init_dist(static_cast<uint32_t>(seed)));
    }
    model_ref_ = Napi::Persistent(info[0].As<Napi::Object>());
    model_ = model;
    model_->live_children++;
}

SamplerHandle::~SamplerHandle() { Release(); }

void SamplerHandle::Release() {
    if (!chain_) return;
    chain_.reset();
    model_->live_children--;
    model_ref_.Reset();
}

// sample(context, batchIndex) -> token. The chosen token is accepted into the chain (grammar state advances).
Napi::Value SamplerHandle::Sample(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!chain_) Throw(env, "ERR_DISPOSED", "the sampler was disposed");
    RequireArgs(info, 2, "sample");
    if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(DataOf(env).context_constructor.Value())) Throw(env, "ERR_INVALID_ARGUMENT", "expected a ContextHandle");
    ContextHandle* ctx = ContextHandle::Unwrap(info[0].As<Napi::Object>());
    ctx->RequireIdle(env);
    const int32_t index = info[1].As<Napi::Number>().Int32Value();
    if (!llama_get_logits_ith(ctx->ctx(), index)) Throw(env, "ERR_POSITION_OUT_OF_RANGE", "batch index " + std::to_string(index) + " produced no logits in the last decode");
    return Napi::Number::New(env, llama_sampler_sample(chain_.get(), ctx->ctx(), index));
}

// accept(token): feed a token the chain did not pick itself (e.g. a forced prefix) into its state.
Napi::Value SamplerHandle::Accept(const Napi::CallbackInfo& info) {
    if (!chain_) Throw(info.Env(), "ERR_DISPOSED", "the sampler was disposed");
    RequireArgs(info, 1, "accept");
    llama_sampler_accept(chain_.get(), info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
}

Napi::Value SamplerHandle::Reset(const Napi::CallbackInfo& info) {
    if (!chain_) Throw(info.Env(), "ERR_DISPOSED", "the sampler was disposed");
    llama_sampler_reset(chain_.get());
    return info.Env().Undefined();
}

Napi::Value SamplerHandle::Dispose(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
}

}  // namespace steer
