// The chat format families behind ChatTemplate (chat_template.h), described as data, and the
// one renderer that interprets those descriptions. Internal to model/tokenizer.
//
// Nearly every chat format is "for each message: a role prefix, the content, a role suffix",
// plus a rule for where system text goes when the format has no system turn. A ChatFormat
// states exactly that; the few oddities (Llama 3.1's fixed system preamble, DeepSeek-R1 dropping
// earlier reasoning) are flags rather than code paths. chat_formats.cpp holds the table and says,
// per family, which reference it follows and why.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/tokenizer/chat_template.h"
#include "openbook/status.h"

namespace openbook::tokenizer::chat {

// Where system messages go.
enum class SystemPlacement : uint8_t {
    kOwnTurn,   // a turn of its own, where it stands (ChatML, Llama 3, …)
    kNextUser,  // into the next user turn, after its prefix (Gemma, Llama 2, Mistral v1)
    kLastUser,  // all of them into the last user turn (Mistral v2/v3: mistral-common does so)
    kFront,     // all of them first, joined by system_separator (DeepSeek V3/R1)
};

// Which message texts are trimmed of surrounding whitespace, as the reference does.
enum TrimRole : uint8_t {
    kTrimNone = 0,
    kTrimSystem = 1,
    kTrimUser = 2,
    kTrimAssistant = 4,
    kTrimAll = 7,
};

struct Turn {
    std::string_view prefix;
    std::string_view suffix;
};

struct ChatFormat {
    std::string_view name;
    std::array<std::string_view, 3> aliases{};
    Turn system;
    Turn user;
    Turn assistant;
    // Written after any system text merged into a user turn, before the user's content; always
    // written, system text or not (ollama's Llama 2 closes an empty "<<SYS>>" block with it).
    std::string_view user_content_prefix;
    std::string_view generation_prompt;  // the assistant cue (add_generation_prompt)
    SystemPlacement system_placement = SystemPlacement::kOwnTurn;
    std::string_view system_separator;  // kFront: between two system texts
    uint8_t trim = kTrimNone;
    // Text that opens the first system turn, which is then always written (Llama 3.1).
    std::string_view system_preamble;
    // Earlier assistant turns keep only what follows their last "</think>" (DeepSeek-R1).
    bool drop_reasoning = false;
    std::string_view bos;  // see ChatTemplate::bos_text()
    std::array<std::string_view, 3> stops{};
};

// Every family, in the order families() lists them.
std::span<const ChatFormat> all_formats();
// A family by name or alias; nullptr when there is none.
const ChatFormat* find_format(std::string_view name);
// "alpaca, chatml, …": the canonical names, for error messages.
std::string format_names();

// Renders `messages` in `format`; roles were validated by the caller.
RenderedPrompt render(const ChatFormat& format, std::span<const ChatMessage> messages,
                      bool add_generation_prompt, std::string_view default_system);

// What detection found in a Jinja template.
struct Detection {
    const ChatFormat* format = nullptr;
    std::string default_system;  // a system prompt the template supplies when there is none
};
// Recognizes the family of a Hugging Face Jinja chat template; kUnsupported when none fits.
Result<Detection> detect(std::string_view jinja_source);

}  // namespace openbook::tokenizer::chat
