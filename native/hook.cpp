#include "hook.h"

#include <cstdlib>
#include <cstring>

#include "ggml-backend.h"
#include "ggml.h"

namespace steer {

namespace {

// Parses exactly "l_out-<digits>"; other node names (and suffixed copies) are not the residual stream.
bool ParseResidualName(const char* name, int* layer) {
    static const char kPrefix[] = "l_out-";
    if (std::strncmp(name, kPrefix, sizeof(kPrefix) - 1) != 0) return false;
    const char* p = name + sizeof(kPrefix) - 1;
    if (*p < '0' || *p > '9') return false;
    int value = 0;
    for (; *p >= '0' && *p <= '9'; ++p) value = value * 10 + (*p - '0');
    if (*p != '\0') return false;
    *layer = value;
    return true;
}

}  // namespace

void HookState::Init(int n_layer, int n_embd) {
    n_layer_ = n_layer;
    n_embd_ = n_embd;
    capture_slot_.assign(n_layer, -1);
    hooked_.assign(n_layer, 0);
    seen_.assign(n_layer, 0);
    scratch_.resize(n_embd);
}

void HookState::Prepare(std::vector<AddOp> adds, CaptureRequest capture, const std::vector<uint8_t>& outputs, int stop_after_layer) {
    adds_ = std::move(adds);
    stop_after_layer_ = stop_after_layer;
    capture_ = std::move(capture);
    n_tokens_ = static_cast<int>(outputs.size());
    output_ordinal_.assign(outputs.size(), -1);
    n_outputs_ = 0;
    for (size_t i = 0; i < outputs.size(); ++i) {
        if (outputs[i]) output_ordinal_[i] = n_outputs_++;
    }
    std::fill(capture_slot_.begin(), capture_slot_.end(), -1);
    std::fill(hooked_.begin(), hooked_.end(), 0);
    std::fill(seen_.begin(), seen_.end(), 0);
    buffers_.assign(capture_.layers.size(), {});
    for (size_t s = 0; s < capture_.layers.size(); ++s) {
        const int layer = capture_.layers[s];
        capture_slot_[layer] = static_cast<int>(s);
        hooked_[layer] = 1;
        buffers_[s].assign(capture_.batch_rows.size() * static_cast<size_t>(n_embd_), 0.0f);
    }
    for (const AddOp& op : adds_) hooked_[op.layer] = 1;
    if (stop_after_layer_ >= 0) {
        hooked_[stop_after_layer_] = 1;
        // Blocks above the stop never run; work queued for them would only be reported as unseen.
        for (int layer = stop_after_layer_ + 1; layer < n_layer_; ++layer) hooked_[layer] = 0;
    }
    error_.clear();
    // A stop alone is work too: a chunk of a long prompt that has no row to read still ends at the stop layer
    // (the rows it feeds the cache are only ever needed up to there).
    active_ = !adds_.empty() || !capture_.layers.empty() || stop_after_layer_ >= 0;
}

void HookState::Clear() {
    adds_.clear();
    capture_ = {};
    active_ = false;
}

void HookState::Fail(const std::string& message) {
    if (error_.empty()) error_ = message;
}

int64_t HookState::RowOf(int layer, int32_t batch_index) const {
    if (batch_index < 0 || batch_index >= n_tokens_) return -1;
    // The last block keeps only rows that request output (llama.cpp's inp_out_ids), in batch order.
    if (layer == n_layer_ - 1) return output_ordinal_[batch_index];
    return batch_index;
}

bool HookState::OnEval(ggml_tensor* t, bool ask) {
    int layer = -1;
    if (!active_ || !ParseResidualName(t->name, &layer) || layer < 0 || layer >= n_layer_) return ask ? false : true;
    if (ask) return hooked_[layer] != 0;
    if (!hooked_[layer]) return true;

    // Returning false here would stop the graph; every path below returns true and records errors instead.
    if (++seen_[layer] > 1) {
        Fail("the decode was split into several graphs (layer " + std::to_string(layer) + " seen twice); rows cannot be mapped");
        return true;
    }
    const int64_t expected_rows = layer == n_layer_ - 1 ? n_outputs_ : n_tokens_;
    if (t->type != GGML_TYPE_F32 || t->ne[0] != n_embd_ || t->ne[1] != expected_rows || t->ne[2] != 1 || t->ne[3] != 1) {
        Fail("unexpected shape of " + std::string(t->name) + ": [" + std::to_string(t->ne[0]) + ", " + std::to_string(t->ne[1]) +
             "] (expected [" + std::to_string(n_embd_) + ", " + std::to_string(expected_rows) + "] of f32)");
        return true;
    }

    const bool host = t->buffer != nullptr && ggml_backend_buffer_is_host(t->buffer);
    const size_t row_bytes = static_cast<size_t>(n_embd_) * sizeof(float);
    auto row_ptr = [&](int64_t row) { return reinterpret_cast<float*>(static_cast<char*>(t->data) + row * t->nb[1]); };

    auto add_row = [&](int64_t row, const std::vector<float>& v) {
        if (host) {
            float* dst = row_ptr(row);
            for (int k = 0; k < n_embd_; ++k) dst[k] += v[k];
        } else {
            ggml_backend_tensor_get(t, scratch_.data(), row * t->nb[1], row_bytes);
            for (int k = 0; k < n_embd_; ++k) scratch_[k] += v[k];
            ggml_backend_tensor_set(t, scratch_.data(), row * t->nb[1], row_bytes);
        }
    };

    for (const AddOp& op : adds_) {
        if (op.layer != layer) continue;
        if (op.all_rows) {
            for (int64_t r = 0; r < t->ne[1]; ++r) add_row(r, op.vector);
        } else {
            for (int32_t b : op.batch_rows) {
                const int64_t r = RowOf(layer, b);
                // A prompt row that does not request output no longer exists in the last block.
                if (r >= 0) add_row(r, op.vector);
            }
        }
    }

    const int slot = capture_slot_[layer];
    if (slot >= 0) {
        float* out = buffers_[slot].data();
        for (size_t i = 0; i < capture_.batch_rows.size(); ++i) {
            const int64_t r = RowOf(layer, capture_.batch_rows[i]);
            if (r < 0) {
                Fail("batch row " + std::to_string(capture_.batch_rows[i]) + " has no row in layer " + std::to_string(layer) +
                     " (the last layer only keeps rows that request output)");
                continue;
            }
            if (host) {
                std::memcpy(out + i * n_embd_, row_ptr(r), row_bytes);
            } else {
                ggml_backend_tensor_get(t, out + i * n_embd_, r * t->nb[1], row_bytes);
            }
        }
    }
    // false asks the scheduler to stop computing this graph (ggml's eval-callback contract).
    return layer != stop_after_layer_;
}

void HookState::Finish() {
    for (int layer = 0; layer < n_layer_; ++layer) {
        if (hooked_[layer] && seen_[layer] == 0) {
            Fail("layer " + std::to_string(layer) + " was never seen as l_out-" + std::to_string(layer) +
                 " (this architecture does not name its residual stream that way)");
        }
    }
    active_ = false;
}

bool EvalCallback(ggml_tensor* t, bool ask, void* user_data) {
    return static_cast<HookState*>(user_data)->OnEval(t, ask);
}

}  // namespace steer
