// Module entry: the classes and functions the TypeScript seam (src/engine/binding.ts) describes.
#include <napi.h>

#include "backend.h"
#include "chat.h"
#include "context.h"
#include "model.h"
#include "sampler.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    steer::RegisterBackendFunctions(env, exports);
    exports.Set("applyChatTemplate", Napi::Function::New(env, steer::ApplyChatTemplate, "applyChatTemplate"));
    exports.Set("ModelHandle", steer::ModelHandle::Define(env));
    exports.Set("ContextHandle", steer::ContextHandle::Define(env));
    exports.Set("SamplerHandle", steer::SamplerHandle::Define(env));
    return exports;
}

}  // namespace

NODE_API_MODULE(llama_steer, Init)
