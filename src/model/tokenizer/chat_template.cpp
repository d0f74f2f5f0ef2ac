// ChatTemplate (chat_template.h): input checks around chat_formats' table, renderer and detector.
#include "model/tokenizer/chat_template.h"

#include <optional>
#include <string>
#include <utility>

#include "model/tokenizer/chat_formats.h"

namespace openbook::tokenizer {

ChatTemplate::ChatTemplate(const chat::ChatFormat* format, std::string default_system)
    : format_(format), family_(format->name), default_system_(std::move(default_system)) {}

Result<ChatTemplate> ChatTemplate::from_gguf_source(std::string_view jinja_source) {
    OPENBOOK_ASSIGN_OR_RETURN(chat::Detection d, chat::detect(jinja_source));
    return ChatTemplate(d.format, std::move(d.default_system));
}

Result<ChatTemplate> ChatTemplate::from_gguf(const gguf::File& file) {
    const std::optional<std::string_view> source = file.get_string("tokenizer.chat_template");
    if (!source) {
        return Status::not_found(file.name() +
                                 ": no tokenizer.chat_template; choose a chat family by name");
    }
    Result<ChatTemplate> t = from_gguf_source(*source);
    if (!t) return t.error().with_context(file.name());
    return t;
}

Result<ChatTemplate> ChatTemplate::from_name(std::string_view family) {
    const chat::ChatFormat* format = chat::find_format(family);
    if (format == nullptr) {
        return Status::invalid_argument("unknown chat family '" + std::string(family) +
                                        "' (supported: " + chat::format_names() + ")");
    }
    return ChatTemplate(format, {});
}

std::vector<std::string> ChatTemplate::families() {
    std::vector<std::string> names;
    for (const chat::ChatFormat& f : chat::all_formats()) names.emplace_back(f.name);
    return names;
}

Result<RenderedPrompt> ChatTemplate::render_prompt(std::span<const ChatMessage> messages,
                                                   bool add_generation_prompt) const {
    for (size_t i = 0; i < messages.size(); ++i) {
        const std::string& role = messages[i].role;
        if (role != "system" && role != "user" && role != "assistant") {
            return Status::invalid_argument("chat message " + std::to_string(i + 1) + ": role '" +
                                            role + "' is not one of system, user, assistant");
        }
    }
    return chat::render(*format_, messages, add_generation_prompt, default_system_);
}

Result<std::string> ChatTemplate::render(std::span<const ChatMessage> messages,
                                         bool add_generation_prompt) const {
    OPENBOOK_ASSIGN_OR_RETURN(RenderedPrompt prompt,
                              render_prompt(messages, add_generation_prompt));
    return std::move(prompt.text);
}

std::vector<std::string> ChatTemplate::stop_strings() const {
    std::vector<std::string> stops;
    for (std::string_view s : format_->stops) {
        if (!s.empty()) stops.emplace_back(s);
    }
    return stops;
}

std::string ChatTemplate::bos_text() const { return std::string(format_->bos); }

}  // namespace openbook::tokenizer
