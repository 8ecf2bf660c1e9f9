#include "model.h"

#include <string>
#include <vector>

namespace steer {

Napi::Function ModelHandle::Define(Napi::Env env) {
    return DefineClass(env, "ModelHandle",
                                    {
                                        StaticMethod("load", &ModelHandle::Load),
                                        InstanceMethod("info", &ModelHandle::Info),
                                        InstanceMethod("metadata", &ModelHandle::Metadata),
                                        InstanceMethod("tokenize", &ModelHandle::Tokenize),
                                        InstanceMethod("detokenize", &ModelHandle::Detokenize),
                                        InstanceMethod("tokenBytes", &ModelHandle::TokenBytes),
                                        InstanceMethod("isEndOfGeneration", &ModelHandle::IsEndOfGeneration),
                                        InstanceMethod("dispose", &ModelHandle::Dispose),
                                    });
}

// Only reachable from Load(): the first argument is an External holding the loaded model.
ModelHandle::ModelHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelHandle>(info) {
    if (info.Length() < 1 || !info[0].IsExternal()) Throw(info.Env(), "ERR_INVALID_ARGUMENT", "ModelHandle is created by ModelHandle.load()");
    model_.reset(info[0].As<Napi::External<llama_model>>().Data());
}

void ModelHandle::RequireAlive(Napi::Env env) const {
    if (!model_) Throw(env, "ERR_DISPOSED", "the model was disposed");
}

namespace {

class LoadWorker : public Napi::AsyncWorker {
public:
    LoadWorker(Napi::Env env, std::string path, llama_model_params params)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), path_(std::move(path)), params_(params) {}

    Napi::Promise Promise() const { return deferred_.Promise(); }

    void Execute() override { model_ = llama_model_load_from_file(path_.c_str(), params_); }

    void OnOK() override {
        Napi::Env env = Env();
        if (!model_) {
            deferred_.Reject(MakeError(env, "ERR_MODEL_LOAD_FAILED", "llama.cpp could not load the model from " + path_).Value());
            return;
        }
        Napi::Object handle = DataOf(env).model_constructor.New({Napi::External<llama_model>::New(env, model_)});
        model_ = nullptr;
        deferred_.Resolve(handle);
    }

    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

    ~LoadWorker() override {
        if (model_) llama_model_free(model_);
    }

private:
    Napi::Promise::Deferred deferred_;
    std::string path_;
    llama_model_params params_;
    llama_model* model_ = nullptr;
};

std::string MetaString(const llama_model* m, const char* key) {
    const int32_t n = llama_model_meta_val_str(m, key, nullptr, 0);
    if (n < 0) return {};
    std::string out(static_cast<size_t>(n) + 1, '\0');
    llama_model_meta_val_str(m, key, out.data(), out.size());
    out.resize(static_cast<size_t>(n));
    return out;
}

}  // namespace

Napi::Value ModelHandle::Load(const Napi::CallbackInfo& info) {
    RequireArgs(info, 2, "load");
    std::string path = StringArg(info, 0, "path");
    Napi::Object opts = ObjectArg(info, 1, "options");
    llama_model_params params = llama_model_default_params();
    params.n_gpu_layers = static_cast<int32_t>(NumberProp(opts, "gpuLayers", 0));
    if (!BoolProp(opts, "useMmap", true)) params.load_mode = LLAMA_LOAD_MODE_NONE;
    // Repacked weight layouts (extra buffer types) are faster but pick batch-size-dependent kernels.
    params.use_extra_bufts = BoolProp(opts, "repack", true);
    auto* worker = new LoadWorker(info.Env(), std::move(path), params);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
}

Napi::Value ModelHandle::Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireAlive(env);
    const llama_model* m = model_.get();
    const llama_vocab* v = vocab();
    Napi::Object o = Napi::Object::New(env);
    o.Set("nLayer", llama_model_n_layer(m));
    o.Set("nEmbd", llama_model_n_embd(m));
    o.Set("nHead", llama_model_n_head(m));
    o.Set("nVocab", llama_vocab_n_tokens(v));
    o.Set("nCtxTrain", llama_model_n_ctx_train(m));
    o.Set("sizeBytes", static_cast<double>(llama_model_size(m)));
    o.Set("nParams", static_cast<double>(llama_model_n_params(m)));
    char desc[256];
    llama_model_desc(m, desc, sizeof desc);
    o.Set("description", desc);
    o.Set("architecture", MetaString(m, "general.architecture"));
    o.Set("name", MetaString(m, "general.name"));
    const char* tmpl = llama_model_chat_template(m, nullptr);
    o.Set("chatTemplate", tmpl ? Napi::Value(Napi::String::New(env, tmpl)) : env.Null());
    o.Set("bos", llama_vocab_bos(v));
    o.Set("eos", llama_vocab_eos(v));
    o.Set("eot", llama_vocab_eot(v));
    o.Set("addBos", llama_vocab_get_add_bos(v));
    o.Set("hasEncoder", llama_model_has_encoder(m));
    o.Set("isRecurrent", llama_model_is_recurrent(m));
    return o;
}

// metadata() -> {key: value} of every GGUF key llama.cpp kept as a string (arrays are summarised by llama.cpp).
Napi::Value ModelHandle::Metadata(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireAlive(env);
    const llama_model* m = model_.get();
    Napi::Object o = Napi::Object::New(env);
    const int32_t n = llama_model_meta_count(m);
    std::vector<char> buf(1 << 16);
    for (int32_t i = 0; i < n; ++i) {
        if (llama_model_meta_key_by_index(m, i, buf.data(), buf.size()) < 0) continue;
        std::string key(buf.data());
        const int32_t len = llama_model_meta_val_str_by_index(m, i, nullptr, 0);
        if (len < 0) continue;
        std::string value(static_cast<size_t>(len) + 1, '\0');
        llama_model_meta_val_str_by_index(m, i, value.data(), value.size());
        value.resize(static_cast<size_t>(len));
        o.Set(key, value);
    }
    return o;
}

// tokenize(text, addSpecial, parseSpecial) -> Int32Array
Napi::Value ModelHandle::Tokenize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireAlive(env);
    RequireArgs(info, 3, "tokenize");
    const std::string text = StringArg(info, 0, "text");
    const bool add_special = info[1].ToBoolean();
    const bool parse_special = info[2].ToBoolean();
    if (text.size() > static_cast<size_t>(INT32_MAX / 2)) Throw(env, "ERR_INVALID_ARGUMENT", "text is too long to tokenize");
    const int32_t n_text = static_cast<int32_t>(text.size());
    std::vector<llama_token> tokens(text.size() + 8);
    int32_t n = llama_tokenize(vocab(), text.data(), n_text, tokens.data(), static_cast<int32_t>(tokens.size()), add_special, parse_special);
    if (n < 0) {
        tokens.resize(static_cast<size_t>(-n));
        n = llama_tokenize(vocab(), text.data(), n_text, tokens.data(), static_cast<int32_t>(tokens.size()), add_special, parse_special);
    }
    if (n < 0) Throw(env, "ERR_INVALID_ARGUMENT", "tokenization failed");
    Napi::Int32Array out = Napi::Int32Array::New(env, static_cast<size_t>(n));
    std::copy(tokens.begin(), tokens.begin() + n, out.Data());
    return out;
}

// detokenize(tokens: Int32Array, removeSpecial, unparseSpecial) -> string
Napi::Value ModelHandle::Detokenize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireAlive(env);
    RequireArgs(info, 3, "detokenize");
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
        Throw(env, "ERR_INVALID_ARGUMENT", "expected an Int32Array of tokens");
    }
    Napi::Int32Array tokens = info[0].As<Napi::Int32Array>();
    const int32_t n_vocab = llama_vocab_n_tokens(vocab());
    for (size_t i = 0; i < tokens.ElementLength(); ++i) {
        if (tokens[i] < 0 || tokens[i] >= n_vocab) Throw(env, "ERR_INVALID_ARGUMENT", "token id " + std::to_string(tokens[i]) + " is outside the vocabulary");
    }
    std::string out(tokens.ElementLength() * 8 + 16, '\0');
    const int32_t n_tokens = static_cast<int32_t>(tokens.ElementLength());
    int32_t n = llama_detokenize(vocab(), tokens.Data(), n_tokens, out.data(), static_cast<int32_t>(out.size()), info[1].ToBoolean(), info[2].ToBoolean());
    if (n < 0) {
        out.resize(static_cast<size_t>(-n));
        n = llama_detokenize(vocab(), tokens.Data(), n_tokens, out.data(), static_cast<int32_t>(out.size()), info[1].ToBoolean(), info[2].ToBoolean());
    }
    if (n < 0) Throw(env, "ERR_INVALID_ARGUMENT", "detokenization failed");
    out.resize(static_cast<size_t>(n));
    return Napi::String::New(env, out);
}

// tokenBytes(token, special) -> Uint8Array: the raw bytes of one token's piece. Streaming decodes these
// incrementally because a UTF-8 character may be split across tokens.
Napi::Value ModelHandle::TokenBytes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireAlive(env);
    RequireArgs(info, 2, "tokenBytes");
    const int32_t token = info[0].As<Napi::Number>().Int32Value();
    if (token < 0 || token >= llama_vocab_n_tokens(vocab())) Throw(env, "ERR_INVALID_ARGUMENT", "token id " + std::to_string(token) + " is outside the vocabulary");
    char buf[256];
    int32_t n = llama_token_to_piece(vocab(), token, buf, sizeof buf, 0, info[1].ToBoolean());
    std::vector<char> big;
    const char* data = buf;
    if (n < 0) {
        big.resize(static_cast<size_t>(-n));
        n = llama_token_to_piece(vocab(), token, big.data(), static_cast<int32_t>(big.size()), 0, info[1].ToBoolean());
        data = big.data();
    }
    if (n < 0) n = 0;
    Napi::Uint8Array out = Napi::Uint8Array::New(env, static_cast<size_t>(n));
    std::copy(data, data + n, reinterpret_cast<char*>(out.Data()));
    return out;
}

Napi::Value ModelHandle::IsEndOfGeneration(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireAlive(env);
    RequireArgs(info, 1, "isEndOfGeneration");
    return Napi::Boolean::New(env, llama_vocab_is_eog(vocab(), info[0].As<Napi::Number>().Int32Value()));
}

Napi::Value ModelHandle::Dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (live_children.load() > 0) Throw(env, "ERR_BUSY", "the model still has live contexts; dispose them first");
    model_.reset();
    return env.Undefined();
}

}  // namespace steer
