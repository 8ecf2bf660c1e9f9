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
    auto* data = new steer::AddonData();
    env.SetInstanceData(data);  // deleted (and its references released) when this environment is torn down
    Napi::Function model = steer::ModelHandle::Define(env);
    Napi::Function context = steer::ContextHandle::Define(env);
    data->model_constructor = Napi::Persistent(model);
    data->context_constructor = Napi::Persistent(context);
    exports.Set("ModelHandle", model);
    exports.Set("ContextHandle", context);
    exports.Set("SamplerHandle", steer::SamplerHandle::Define(env));
    return exports;
}

}  // namespace

NODE_API_MODULE(llama_steer, Init)
