#include "context.h"

#include <cstring>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "model.h"

namespace steer {

namespace {

bool AbortCallback(void* data) { return static_cast<std::atomic<bool>*>(data)->load(); }

// ggml_threadpool_new lives in the CPU backend plugin (loaded at run time), so it is looked up
// through the backend registry rather than linked.
using ThreadpoolNewFn = ggml_threadpool* (*)(ggml_threadpool_params*);
using ThreadpoolFreeFn = void (*)(ggml_threadpool*);

template <typename Fn>
Fn CpuProc(const char* name) {
    ggml_backend_reg_t reg = ggml_backend_reg_by_name("CPU");
    return reg ? reinterpret_cast<Fn>(ggml_backend_reg_get_proc_address(reg, name)) : nullptr;
}

}  // namespace

Napi::Function ContextHandle::Define(Napi::Env env) {
    return DefineClass(env, "ContextHandle",
                                    {
                                        InstanceMethod("info", &ContextHandle::Info),
                                        InstanceMethod("decode", &ContextHandle::Decode),
                                        InstanceMethod("logits", &ContextHandle::Logits),
                                        InstanceMethod("setControlVector", &ContextHandle::SetControlVector),
                                        InstanceMethod("clearMemory", &ContextHandle::ClearMemory),
                                        InstanceMethod("removeSequence", &ContextHandle::RemoveSequence),
                                        InstanceMethod("copySequence", &ContextHandle::CopySequence),
                                        InstanceMethod("setAbort", &ContextHandle::SetAbort),
                                        InstanceMethod("dispose", &ContextHandle::Dispose),
                                    });
}

ContextHandle::ContextHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ContextHandle>(info) {
    Napi::Env env = info.Env();
    RequireArgs(info, 2, "ContextHandle");
    if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(DataOf(env).model_constructor.Value())) {
        Throw(env, "ERR_INVALID_ARGUMENT", "expected a ModelHandle");
    }
    model_ = ModelHandle::Unwrap(info[0].As<Napi::Object>());
    model_->RequireAlive(env);
    Napi::Object opts = ObjectArg(info, 1, "options");

    llama_context_params params = llama_context_default_params();
    params.n_ctx = static_cast<uint32_t>(NumberProp(opts, "nCtx", 2048));
    params.n_batch = static_cast<uint32_t>(NumberProp(opts, "nBatch", 512));
    // One physical batch per decode: the hook maps rows to batch indices only within one graph.
    params.n_ubatch = params.n_batch;
    params.n_seq_max = static_cast<uint32_t>(NumberProp(opts, "nSeqMax", 1));
    // llama.cpp asserts (aborts the process) when sequences exceed the batch: refuse instead.
    if (params.n_seq_max < 1 || params.n_batch < 1 || params.n_seq_max > params.n_batch || params.n_batch > params.n_ctx) {
        Throw(env, "ERR_INVALID_ARGUMENT", "need 1 <= nSeqMax <= nBatch <= nCtx");
    }
    params.n_threads = static_cast<int32_t>(NumberProp(opts, "nThreads", 2));
    params.n_threads_batch = params.n_threads;
    // Rows follow batch order only with a unified KV cache (otherwise sequences may be regrouped).
    params.kv_unified = BoolProp(opts, "kvUnified", true);
    params.flash_attn_type = BoolProp(opts, "flashAttention", false) ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    params.no_perf = true;
    params.cb_eval = EvalCallback;
    params.cb_eval_user_data = &hook;
    params.abort_callback = AbortCallback;
    params.abort_callback_data = &abort_requested;

    ctx_.reset(llama_init_from_model(model_->model(), params));
    if (!ctx_) Throw(env, "ERR_CONTEXT_CREATE_FAILED", "llama.cpp could not create a context (n_ctx=" + std::to_string(params.n_ctx) + ")");
    n_batch_ = static_cast<int>(llama_n_batch(ctx_.get()));
    n_seq_max_ = static_cast<int>(llama_n_seq_max(ctx_.get()));
    hook.Init(llama_model_n_layer(model_->model()), llama_model_n_embd(model_->model()));

    // A persistent threadpool keeps worker threads alive between the graph pieces the hook creates;
    // llama.cpp's default pool would be rebuilt for every piece.
    if (BoolProp(opts, "threadpool", true)) {
        auto tp_new = CpuProc<ThreadpoolNewFn>("ggml_threadpool_new");
        if (tp_new) {
            ggml_threadpool_params tpp = ggml_threadpool_params_default(params.n_threads);
            threadpool_ = tp_new(&tpp);
            if (threadpool_) llama_attach_threadpool(ctx_.get(), threadpool_, threadpool_);
        }
    }
    model_ref_ = Napi::Persistent(info[0].As<Napi::Object>());
    model_->live_children++;
}

ContextHandle::~ContextHandle() { Release(); }

void ContextHandle::Release() {
    if (!ctx_) return;
    ctx_.reset();
    if (threadpool_) {
        auto tp_free = CpuProc<ThreadpoolFreeFn>("ggml_threadpool_free");
        if (tp_free) tp_free(threadpool_);
        threadpool_ = nullptr;
    }
    if (model_) model_->live_children--;
    if (!model_ref_.IsEmpty()) model_ref_.Reset();
}

void ContextHandle::RequireIdle(Napi::Env env) const {
    if (!ctx_) Throw(env, "ERR_DISPOSED", "the context was disposed");
    if (busy.load()) Throw(env, "ERR_BUSY", "the context is busy with a decode");
}

Napi::Value ContextHandle::Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ctx_) Throw(env, "ERR_DISPOSED", "the context was disposed");
    Napi::Object o = Napi::Object::New(env);
    o.Set("nCtx", llama_n_ctx(ctx_.get()));
    o.Set("nBatch", llama_n_batch(ctx_.get()));
    o.Set("nUbatch", llama_n_ubatch(ctx_.get()));
    o.Set("nSeqMax", llama_n_seq_max(ctx_.get()));
    o.Set("nThreads", llama_n_threads(ctx_.get()));
    o.Set("threadpool", threadpool_ != nullptr);
    return o;
}

namespace {

class DecodeWorker : public Napi::AsyncWorker {
public:
    DecodeWorker(Napi::Env env, ContextHandle* owner, Napi::Object owner_obj, llama_batch batch)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), owner_(owner), batch_(batch) {
        owner_ref_ = Napi::Persistent(owner_obj);
    }
    ~DecodeWorker() override { llama_batch_free(batch_); }

    Napi::Promise Promise() const { return deferred_.Promise(); }

    void Execute() override {
        rc_ = llama_decode(owner_->ctx(), batch_);
        llama_synchronize(owner_->ctx());
        owner_->hook.Finish();
    }

    void OnOK() override {
        Napi::Env env = Env();
        owner_->busy = false;
        if (rc_ == 2) {
            deferred_.Reject(MakeError(env, "ERR_ABORTED", "the decode was aborted").Value());
        } else if (rc_ == 1) {
            deferred_.Reject(MakeError(env, "ERR_PROMPT_TOO_LONG", "llama_decode found no room in the context (rc=1): the context is full").Value());
        } else if (rc_ != 0) {
            deferred_.Reject(MakeError(env, "ERR_DECODE_FAILED", "llama_decode failed with rc=" + std::to_string(rc_)).Value());
        } else if (!owner_->hook.error().empty()) {
            deferred_.Reject(MakeError(env, "ERR_ROW_MAPPING", owner_->hook.error()).Value());
        } else {
            Napi::Array captures = Napi::Array::New(env);
            auto& buffers = owner_->hook.capture_buffers();
            for (size_t i = 0; i < buffers.size(); ++i) {
                Napi::Float32Array arr = Napi::Float32Array::New(env, buffers[i].size());
                std::memcpy(arr.Data(), buffers[i].data(), buffers[i].size() * sizeof(float));
                captures.Set(static_cast<uint32_t>(i), arr);
                std::vector<float>().swap(buffers[i]);
            }
            deferred_.Resolve(captures);
        }
        owner_->hook.Clear();
    }

    void OnError(const Napi::Error& e) override {
        owner_->busy = false;
        owner_->hook.Clear();
        deferred_.Reject(e.Value());
    }

private:
    Napi::Promise::Deferred deferred_;
    ContextHandle* owner_;
    Napi::ObjectReference owner_ref_;
    llama_batch batch_;
    int32_t rc_ = 0;
};

std::vector<int32_t> Int32Vector(const Napi::Int32Array& a) { return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength()); }

}  // namespace

// decode({tokens, positions, sequences, outputs, adds: [{layer, vector, rows?}], capture?: {layers, rows}})
//   -> Promise<Float32Array[]> (one [rows x n_embd] array per captured layer, in request order)
Napi::Value ContextHandle::Decode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireIdle(env);
    Napi::Object req = ObjectArg(info, 0, "decode request");
    auto tokens = TypedArrayProp<Napi::Int32Array>(req, "tokens", napi_int32_array, "Int32Array");
    auto positions = TypedArrayProp<Napi::Int32Array>(req, "positions", napi_int32_array, "Int32Array");
    auto sequences = TypedArrayProp<Napi::Int32Array>(req, "sequences", napi_int32_array, "Int32Array");
    auto outputs = TypedArrayProp<Napi::Uint8Array>(req, "outputs", napi_uint8_array, "Uint8Array");
    const size_t n = tokens.ElementLength();
    if (n == 0) Throw(env, "ERR_INVALID_ARGUMENT", "a decode needs at least one token");
    if (positions.ElementLength() != n || sequences.ElementLength() != n || outputs.ElementLength() != n) {
        Throw(env, "ERR_INVALID_ARGUMENT", "tokens, positions, sequences and outputs must have the same length");
    }
    if (n > static_cast<size_t>(n_batch_)) Throw(env, "ERR_INVALID_ARGUMENT", "a decode holds at most nBatch=" + std::to_string(n_batch_) + " tokens");
    const int n_layer = llama_model_n_layer(model_->model());
    const int n_embd = llama_model_n_embd(model_->model());
    const int n_vocab = llama_vocab_n_tokens(model_->vocab());

    std::vector<AddOp> adds;
    Napi::Value adds_val = req.Get("adds");
    if (adds_val.IsArray()) {
        Napi::Array arr = adds_val.As<Napi::Array>();
        for (uint32_t i = 0; i < arr.Length(); ++i) {
            Napi::Value item = arr.Get(i);
            if (!item.IsObject()) Throw(env, "ERR_INVALID_ARGUMENT", "each add must be an object");
            Napi::Object o = item.As<Napi::Object>();
            AddOp op;
            op.layer = static_cast<int>(NumberProp(o, "layer", -1));
            if (op.layer < 0 || op.layer >= n_layer) Throw(env, "ERR_LAYER_OUT_OF_RANGE", "add layer " + std::to_string(op.layer) + " is outside [0, " + std::to_string(n_layer) + ")");
            auto vec = TypedArrayProp<Napi::Float32Array>(o, "vector", napi_float32_array, "Float32Array");
            if (vec.ElementLength() != static_cast<size_t>(n_embd)) Throw(env, "ERR_VECTOR_SIZE", "add vector has length " + std::to_string(vec.ElementLength()) + ", expected " + std::to_string(n_embd));
            op.vector.assign(vec.Data(), vec.Data() + n_embd);
            Napi::Value rows = o.Get("rows");
            op.all_rows = rows.IsUndefined() || rows.IsNull();
            if (!op.all_rows) {
                op.batch_rows = Int32Vector(TypedArrayProp<Napi::Int32Array>(o, "rows", napi_int32_array, "Int32Array"));
                for (int32_t r : op.batch_rows) {
                    if (r < 0 || static_cast<size_t>(r) >= n) Throw(env, "ERR_POSITION_OUT_OF_RANGE", "add row " + std::to_string(r) + " is outside the batch");
                }
            }
            adds.push_back(std::move(op));
        }
    }

    CaptureRequest capture;
    Napi::Value cap_val = req.Get("capture");
    if (cap_val.IsObject()) {
        Napi::Object c = cap_val.As<Napi::Object>();
        capture.layers = Int32Vector(TypedArrayProp<Napi::Int32Array>(c, "layers", napi_int32_array, "Int32Array"));
        capture.batch_rows = Int32Vector(TypedArrayProp<Napi::Int32Array>(c, "rows", napi_int32_array, "Int32Array"));
        std::vector<uint8_t> seen(n_layer, 0);
        for (int32_t l : capture.layers) {
            if (l < 0 || l >= n_layer) Throw(env, "ERR_LAYER_OUT_OF_RANGE", "capture layer " + std::to_string(l) + " is outside [0, " + std::to_string(n_layer) + ")");
            if (seen[l]++) Throw(env, "ERR_INVALID_ARGUMENT", "capture layer " + std::to_string(l) + " is listed twice");
        }
        for (int32_t r : capture.batch_rows) {
            if (r < 0 || static_cast<size_t>(r) >= n) Throw(env, "ERR_POSITION_OUT_OF_RANGE", "capture row " + std::to_string(r) + " is outside the batch");
        }
    }

    llama_batch batch = llama_batch_init(static_cast<int32_t>(n), 0, 1);
    batch.n_tokens = static_cast<int32_t>(n);
    std::vector<uint8_t> out_flags(n);
    for (size_t i = 0; i < n; ++i) {
        if (tokens[i] < 0 || tokens[i] >= n_vocab || sequences[i] < 0 || sequences[i] >= n_seq_max_ || positions[i] < 0) {
            llama_batch_free(batch);
            Throw(env, "ERR_INVALID_ARGUMENT", "batch entry " + std::to_string(i) + " has an invalid token, sequence or position");
        }
        batch.token[i] = tokens[i];
        batch.pos[i] = positions[i];
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = sequences[i];
        batch.logits[i] = outputs[i] ? 1 : 0;
        out_flags[i] = batch.logits[i];
    }
    const int stop_after = static_cast<int>(NumberProp(req, "stopAfterLayer", -1));
    if (stop_after < -1 || stop_after >= n_layer) {
        llama_batch_free(batch);
        Throw(env, "ERR_LAYER_OUT_OF_RANGE", "stopAfterLayer " + std::to_string(stop_after) + " is outside [0, " + std::to_string(n_layer) + ")");
    }
    hook.Prepare(std::move(adds), std::move(capture), out_flags, stop_after);
    busy = true;
    auto* worker = new DecodeWorker(env, this, info.This().As<Napi::Object>(), batch);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
}

// logits(batchIndex) -> Float32Array(n_vocab) of the last decode's output at that batch index
Napi::Value ContextHandle::Logits(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireIdle(env);
    RequireArgs(info, 1, "logits");
    const int32_t index = info[0].As<Napi::Number>().Int32Value();
    const float* logits = llama_get_logits_ith(ctx_.get(), index);
    if (!logits) Throw(env, "ERR_POSITION_OUT_OF_RANGE", "batch index " + std::to_string(index) + " produced no logits in the last decode");
    const size_t n_vocab = static_cast<size_t>(llama_vocab_n_tokens(model_->vocab()));
    Napi::Float32Array out = Napi::Float32Array::New(env, n_vocab);
    std::memcpy(out.Data(), logits, n_vocab * sizeof(float));
    return out;
}

// setControlVector(data: Float32Array | null, ilStart, ilEnd): llama.cpp's built-in always-on steering.
// data holds n_embd floats per layer starting at layer 1 (llama.cpp's convention; layer 0 is unreachable).
Napi::Value ContextHandle::SetControlVector(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireIdle(env);
    const int32_t n_embd = llama_model_n_embd(model_->model());
    int32_t rc;
    if (info.Length() < 1 || info[0].IsNull() || info[0].IsUndefined()) {
        rc = llama_set_adapter_cvec(ctx_.get(), nullptr, 0, n_embd, 0, 0);
    } else {
        RequireArgs(info, 3, "setControlVector");
        if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
            Throw(env, "ERR_INVALID_ARGUMENT", "expected a Float32Array for the control vector");
        }
        Napi::Float32Array data = info[0].As<Napi::Float32Array>();
        rc = llama_set_adapter_cvec(ctx_.get(), data.Data(), data.ElementLength(), n_embd, info[1].As<Napi::Number>().Int32Value(),
                                    info[2].As<Napi::Number>().Int32Value());
    }
    if (rc != 0) Throw(env, "ERR_INVALID_ARGUMENT", "llama_set_adapter_cvec rejected the control vector (rc=" + std::to_string(rc) + ")");
    return env.Undefined();
}

Napi::Value ContextHandle::ClearMemory(const Napi::CallbackInfo& info) {
    RequireIdle(info.Env());
    llama_memory_clear(llama_get_memory(ctx_.get()), true);
    return info.Env().Undefined();
}

// removeSequence(seq, p0, p1): drop positions [p0, p1) of a sequence (p1 < 0: to the end)
Napi::Value ContextHandle::RemoveSequence(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireIdle(env);
    RequireArgs(info, 3, "removeSequence");
    const bool ok = llama_memory_seq_rm(llama_get_memory(ctx_.get()), info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(),
                                        info[2].As<Napi::Number>().Int32Value());
    return Napi::Boolean::New(env, ok);
}

// copySequence(src, dst, p0, p1): dst shares src's cells in [p0, p1) (a shared prompt prefix is decoded once)
Napi::Value ContextHandle::CopySequence(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireIdle(env);
    RequireArgs(info, 4, "copySequence");
    const int32_t src = info[0].As<Napi::Number>().Int32Value();
    const int32_t dst = info[1].As<Napi::Number>().Int32Value();
    if (src < 0 || dst < 0 || src >= n_seq_max_ || dst >= n_seq_max_) Throw(env, "ERR_INVALID_ARGUMENT", "sequence id outside [0, nSeqMax)");
    llama_memory_seq_cp(llama_get_memory(ctx_.get()), src, dst, info[2].As<Napi::Number>().Int32Value(), info[3].As<Napi::Number>().Int32Value());
    return env.Undefined();
}

// setAbort(flag): read by llama.cpp between graph nodes of a running decode (CPU backends).
Napi::Value ContextHandle::SetAbort(const Napi::CallbackInfo& info) {
    abort_requested = info.Length() > 0 && info[0].ToBoolean();
    return info.Env().Undefined();
}

Napi::Value ContextHandle::Dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (busy.load()) Throw(env, "ERR_BUSY", "cannot dispose a context while a decode is running");
    Release();
    return env.Undefined();
}

}  // namespace steer
