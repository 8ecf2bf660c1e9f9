#include "chat.h"

#include <exception>
#include <limits>
#include <string>
#include <vector>

#include "common.h"

namespace steer {

namespace {

// The C API takes NUL-terminated strings: an embedded NUL would silently cut the text short, so such
// input is refused instead of being formatted into something other than what the caller passed.
std::string CString(Napi::Env env, const Napi::Value& value, const std::string& what) {
    if (!value.IsString()) Throw(env, "ERR_INVALID_ARGUMENT", "applyChatTemplate: expected a string for " + what);
    std::string text = value.As<Napi::String>().Utf8Value();
    if (text.find('\0') != std::string::npos) {
        Throw(env, "ERR_INVALID_ARGUMENT", "applyChatTemplate: " + what + " contains a NUL character, which llama.cpp's C API cannot represent");
    }
    return text;
}

}  // namespace

Napi::Value ApplyChatTemplate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireArgs(info, 3, "applyChatTemplate");
    const std::string tmpl = CString(env, info[0], "template");
    if (!info[1].IsArray()) Throw(env, "ERR_INVALID_ARGUMENT", "applyChatTemplate: expected an array of {role, content} for messages");
    if (!info[2].IsBoolean()) Throw(env, "ERR_INVALID_ARGUMENT", "applyChatTemplate: expected a boolean for addAssistant");
    const bool add_assistant = info[2].As<Napi::Boolean>().Value();

    Napi::Array list = info[1].As<Napi::Array>();
    const uint32_t n_msg = list.Length();
    // Owned copies first, then the C structs pointing into them (the vector is not resized afterwards).
    std::vector<std::string> roles(n_msg);
    std::vector<std::string> contents(n_msg);
    size_t total_chars = tmpl.size();
    for (uint32_t i = 0; i < n_msg; ++i) {
        const std::string where = "messages[" + std::to_string(i) + "]";
        Napi::Value item = list.Get(i);
        if (!item.IsObject() || item.IsArray()) Throw(env, "ERR_INVALID_ARGUMENT", "applyChatTemplate: expected an object {role, content} for " + where);
        Napi::Object message = item.As<Napi::Object>();
        roles[i] = CString(env, message.Get("role"), where + ".role");
        contents[i] = CString(env, message.Get("content"), where + ".content");
        total_chars += roles[i].size() + contents[i].size();
    }
    // The result length is an int32; leave generous room for the markers each turn adds.
    constexpr size_t kMarkerRoom = 64;
    const size_t limit = static_cast<size_t>(std::numeric_limits<int32_t>::max()) / 2;
    if (total_chars + kMarkerRoom * (n_msg + 1) > limit) {
        Throw(env, "ERR_INVALID_ARGUMENT", "applyChatTemplate: the conversation is too long for llama.cpp's chat formatting");
    }
    std::vector<llama_chat_message> chat(n_msg);
    for (uint32_t i = 0; i < n_msg; ++i) chat[i] = {roles[i].c_str(), contents[i].c_str()};

    std::vector<char> buf(total_chars + kMarkerRoom * (n_msg + 1) + 1);
    int32_t n = 0;
    try {
        n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), add_assistant, buf.data(), static_cast<int32_t>(buf.size()));
        // The first call reports the full length even when the buffer was too small; format again into one that fits.
        if (n >= 0 && static_cast<size_t>(n) >= buf.size()) {
            buf.resize(static_cast<size_t>(n) + 1);
            n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), add_assistant, buf.data(), static_cast<int32_t>(buf.size()));
        }
    } catch (const std::exception& e) {
        // llama.cpp formats through std::stringstream; only allocation failures can get here.
        Throw(env, "ERR_TEMPLATE_FAILED", std::string("applyChatTemplate: llama.cpp failed while formatting: ") + e.what());
    }
    if (n < 0) return env.Null();  // neither a built-in name nor a template llama.cpp recognises
    return Napi::String::New(env, buf.data(), static_cast<size_t>(n));
}

}  // namespace steer
