// llama.cpp's own chat formatting (llama_chat_apply_template), exposed so the Jinja rendering in
// src/formats can be checked against what llama.cpp itself produces for its built-in templates.
#pragma once

#include <napi.h>

namespace steer {

// applyChatTemplate(template, [{role, content}], addAssistant) -> string | null
// `template` is either Jinja text (llama.cpp recognises its built-in families by markers such as
// "<|im_start|>" or "<start_of_turn>") or a built-in name ("chatml", "gemma", "llama3", ...).
// Returns null when llama.cpp supports neither; throws ERR_INVALID_ARGUMENT for malformed arguments.
Napi::Value ApplyChatTemplate(const Napi::CallbackInfo& info);

}  // namespace steer
