// The eval callback that reads and modifies the residual stream.
//
// llama.cpp names the residual stream after block `il` "l_out-<il>". During one decode the callback
// is asked about every graph node; it answers "yes" only for l_out nodes of layers that have work,
// which makes the scheduler stop there, compute up to that node and hand it to us. We then
// (1) add steering vectors to chosen rows in place and (2) copy chosen rows into preallocated
// buffers. Everything here runs on the decode thread: no JS, no allocation after Prepare().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct ggml_tensor;

namespace steer {

struct AddOp {
    int layer = 0;
    std::vector<float> vector;         // n_embd values, already scaled by strength
    bool all_rows = true;              // every row of the decode
    std::vector<int32_t> batch_rows;   // otherwise: these batch indices
};

struct CaptureRequest {
    std::vector<int32_t> layers;       // layers to capture (0-based, l_out-<il>)
    std::vector<int32_t> batch_rows;   // batch indices to copy, in this order
};

class HookState {
public:
    void Init(int n_layer, int n_embd);

    // Called on the JS thread before a decode is queued. `outputs[i]` says whether batch index i
    // requests output (its row survives into the last layer).
    // `stop_after_layer` >= 0 ends the graph once that layer was handled: a capture that needs no
    // logits skips the blocks above it and the output head.
    void Prepare(std::vector<AddOp> adds, CaptureRequest capture, const std::vector<uint8_t>& outputs, int stop_after_layer);
    void Clear();

    // Called on the decode thread by llama.cpp.
    bool OnEval(ggml_tensor* t, bool ask);

    // Called after the decode finished: checks that every hooked layer was seen exactly once.
    void Finish();

    const std::string& error() const { return error_; }
    const std::vector<int32_t>& captured_layers() const { return capture_.layers; }
    std::vector<std::vector<float>>& capture_buffers() { return buffers_; }
    int n_embd() const { return n_embd_; }

private:
    int64_t RowOf(int layer, int32_t batch_index) const;
    void Fail(const std::string& message);

    int n_layer_ = 0;
    int n_embd_ = 0;
    bool active_ = false;
    int n_tokens_ = 0;
    int n_outputs_ = 0;
    int stop_after_layer_ = -1;
    std::vector<int32_t> output_ordinal_;   // batch index -> row in the last layer, or -1
    std::vector<AddOp> adds_;
    CaptureRequest capture_;
    std::vector<int> capture_slot_;         // layer -> index into buffers_, or -1
    std::vector<uint8_t> hooked_;           // layer -> any add or capture
    std::vector<int> seen_;                 // layer -> observations in this decode
    std::vector<std::vector<float>> buffers_;
    std::vector<float> scratch_;            // one row, for backends whose memory is not host-visible
    std::string error_;
};

bool EvalCallback(ggml_tensor* t, bool ask, void* user_data);

}  // namespace steer
