// Chat templates: turn a conversation into the prompt text a chat model was trained on.
//
// A GGUF carries its Hugging Face chat template (Jinja source) under tokenizer.chat_template.
// openbook does not run Jinja. It recognizes the format family from distinctive text in that
// source (from_gguf_source) and renders the family with C++, which is small, fast and cannot be
// steered by the template. A family can also be chosen by name (from_name), e.g. to override a
// wrong or missing template. An unrecognized template is an error that lists the families.
//
// Conventions shared by every family:
// - render() never begins with the model's BOS text: the tokenizer adds BOS as the GGUF asks
//   (tokenizer.ggml.add_bos_token), as llama.cpp and ollama do, so it is never doubled.
//   bos_text() names it for callers that need the full text (a raw completion API). A BOS
//   inside the conversation (Llama 2's "</s><s>[INST]") is part of the render.
// - Message content is inserted verbatim and never interpreted: "<|im_end|>" or "{{ x }}" in a
//   message stays plain text. RenderedPrompt::content_spans marks where message text sits, so
//   a caller can tokenize those bytes without parsing special tokens (no prompt injection of
//   control tokens). Families whose reference trims message text trim it (Llama 3, Gemma, …).
// - Families without a system role put system text into a user turn, the way their reference
//   does (merged into the next user turn, or Mistral's last user turn).
// - add_generation_prompt appends the cue that opens the assistant's turn. Formats whose user
//   turn already ends with the cue (Llama 2, Mistral's "[/INST]") add nothing.
// - Roles are "system", "user" and "assistant"; any other role is kInvalidArgument. Tool calls,
//   tool results and images are not rendered.
//
// Thread-safety: a ChatTemplate is immutable; render() may run concurrently.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/gguf/gguf_file.h"
#include "openbook/status.h"

namespace openbook::tokenizer {

namespace chat {
struct ChatFormat;
}  // namespace chat

struct ChatMessage {
    std::string role;  // "system", "user" or "assistant"
    std::string content;
};

// Bytes [offset, offset + length) of RenderedPrompt::text that are message content.
struct ContentSpan {
    size_t offset = 0;
    size_t length = 0;
};

struct RenderedPrompt {
    std::string text;
    std::vector<ContentSpan> content_spans;  // in order, non-overlapping, none empty
};

class ChatTemplate {
public:
    // Recognizes the family of a Hugging Face Jinja chat template. kUnsupported (naming the
    // supported families) when no family matches. A default system prompt written into the
    // template itself (Qwen2/2.5's) is kept and used when a conversation has none.
    static Result<ChatTemplate> from_gguf_source(std::string_view jinja_source);
    // from_gguf_source() of the file's tokenizer.chat_template; kNotFound when it has none.
    static Result<ChatTemplate> from_gguf(const gguf::File& file);
    // A family by its name or an alias (see families()); kInvalidArgument listing the names
    // otherwise.
    static Result<ChatTemplate> from_name(std::string_view family);
    // The canonical family names, in a stable order.
    static std::vector<std::string> families();

    const std::string& family() const { return family_; }

    // The prompt for `messages`; add_generation_prompt appends the assistant cue.
    Result<std::string> render(std::span<const ChatMessage> messages,
                               bool add_generation_prompt) const;
    // The same text, with the byte ranges that came from message content.
    Result<RenderedPrompt> render_prompt(std::span<const ChatMessage> messages,
                                         bool add_generation_prompt) const;

    // Texts that end an assistant turn in this format ("<|im_end|>", or the next turn's header
    // for plain-text formats such as Alpaca), for stop conditions on generated text.
    std::vector<std::string> stop_strings() const;
    // The BOS text the format's prompts start with ("<s>", "<|begin_of_text|>"), "" when the
    // format has none. render() output never starts with it (see above).
    std::string bos_text() const;
    // The system prompt used when a conversation has none ("" for most families).
    const std::string& default_system() const { return default_system_; }

private:
    ChatTemplate(const chat::ChatFormat* format, std::string default_system);

    const chat::ChatFormat* format_;
    std::string family_;
    std::string default_system_;
};

}  // namespace openbook::tokenizer
