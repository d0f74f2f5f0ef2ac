// The family table and the renderer (chat_formats.h).
//
// Each entry says which reference it follows. Two kinds of reference exist and they disagree
// now and then: the Hugging Face templates the models ship with, and ollama's rendered test
// prompts (chat_template_test.cpp checks those byte for byte). Where ollama renders a family
// differently from its Hugging Face template, the Hugging Face form keeps the family's name and
// ollama's form is a separate "-ollama" family, so that both stay exact.
#include "model/tokenizer/chat_formats.h"

#include <string>
#include <utility>
#include <vector>

namespace openbook::tokenizer::chat {
namespace {

using SP = SystemPlacement;

constexpr Turn kImSystem{"<|im_start|>system\n", "<|im_end|>\n"};
constexpr Turn kImUser{"<|im_start|>user\n", "<|im_end|>\n"};
constexpr Turn kImAssistant{"<|im_start|>assistant\n", "<|im_end|>\n"};

constexpr Turn kHeaderSystem{"<|start_header_id|>system<|end_header_id|>\n\n", "<|eot_id|>"};
constexpr Turn kHeaderUser{"<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|>"};
constexpr Turn kHeaderAssistant{"<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"};

constexpr Turn kGemmaUser{"<start_of_turn>user\n", "<end_of_turn>\n"};
constexpr Turn kGemmaModel{"<start_of_turn>model\n", "<end_of_turn>\n"};

constexpr Turn kCohereSystem{"<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>", "<|END_OF_TURN_TOKEN|>"};
constexpr Turn kCohereUser{"<|START_OF_TURN_TOKEN|><|USER_TOKEN|>", "<|END_OF_TURN_TOKEN|>"};
constexpr Turn kCohereChatbot{"<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>", "<|END_OF_TURN_TOKEN|>"};

// DeepSeek's special tokens are written with full-width bars and U+2581 ("▁") for spaces.
constexpr std::string_view kDeepSeekBos = "<｜begin▁of▁sentence｜>";
constexpr std::string_view kDeepSeekEos = "<｜end▁of▁sentence｜>";
constexpr Turn kDeepSeekUser{"<｜User｜>", ""};
constexpr Turn kDeepSeekAssistant{"<｜Assistant｜>", kDeepSeekEos};

// Sorted by name; families() lists them in this order.
const ChatFormat kFormats[] = {
    // LightOn Alfred-40B-1023.
    {.name = "alfred",
     .system = {"<start_system>", "<end_message>"},
     .user = {"<start_user>", "<end_message>"},
     .assistant = {"<start_assistant>", "<end_message>"},
     .generation_prompt = "<start_assistant>",
     .stops = {"<end_message>"}},
    // Stanford Alpaca's instruction format; a system text stands first on its own.
    {.name = "alpaca",
     .system = {"", "\n\n"},
     .user = {"### Instruction:\n", "\n\n"},
     .assistant = {"### Response:\n", "\n\n"},
     .generation_prompt = "### Response:\n",
     .stops = {"\n### Instruction:"}},
    // ChatML: Qwen 1.5–2.5 (whose templates also carry a default system prompt, see
    // detect()), OpenHermes, Hermes 2/3, Yi, DBRX and many fine-tunes.
    {.name = "chatml",
     .aliases = {"qwen", "qwen2"},
     .system = kImSystem,
     .user = kImUser,
     .assistant = kImAssistant,
     .generation_prompt = "<|im_start|>assistant\n",
     .stops = {"<|im_end|>"}},
    // NVIDIA Llama3-ChatQA (its documented prompt format).
    {.name = "chatqa",
     .system = {"System: ", "\n\n"},
     .user = {"User: ", "\n\n"},
     .assistant = {"Assistant: ", "\n\n"},
     .generation_prompt = "Assistant:",
     .bos = "<|begin_of_text|>",
     .stops = {"\nUser:"}},
    // Meta CodeLlama-70b-Instruct: every message, system included, is a "Source:" block.
    {.name = "codellama-70b",
     .aliases = {"codellama-70b-instruct"},
     .system = {"Source: system\n\n ", " <step> "},
     .user = {"Source: user\n\n ", " <step> "},
     .assistant = {"Source: assistant\n\n ", " <step> "},
     .generation_prompt = "Source: assistant\nDestination: user\n\n ",
     .trim = kTrimAll,
     .bos = "<s>",
     .stops = {"<step>", "Source: user"}},
    // Cohere Command-R / R+ (default template; user and chatbot text is stripped there).
    {.name = "command-r",
     .system = kCohereSystem,
     .user = kCohereUser,
     .assistant = kCohereChatbot,
     .generation_prompt = "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>",
     .trim = kTrimUser | kTrimAssistant,
     .bos = "<BOS_TOKEN>",
     .stops = {"<|END_OF_TURN_TOKEN|>"}},
    // ollama's Command-R render: it closes the last user turn a second time and ends the
    // chatbot cue with a newline. Kept exact for parity with ollama; real models want
    // "command-r".
    {.name = "command-r-ollama",
     .system = kCohereSystem,
     .user = kCohereUser,
     .assistant = kCohereChatbot,
     .generation_prompt = "<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>\n",
     .bos = "<BOS_TOKEN>",
     .stops = {"<|END_OF_TURN_TOKEN|>"}},
    // DeepSeek-Coder instruct (1.x). Its template's built-in system sentence is not added.
    {.name = "deepseek",
     .aliases = {"deepseek-coder"},
     .system = {"", ""},
     .user = {"### Instruction:\n", "\n"},
     .assistant = {"### Response:\n", "\n<|EOT|>\n"},
     .generation_prompt = "### Response:\n",
     .bos = kDeepSeekBos,
     .stops = {"<|EOT|>", "\n### Instruction:"}},
    // DeepSeek-R1 and its Qwen/Llama distills: V3's layout; earlier answers lose their
    // reasoning and the cue opens a "<think>" block, as the current R1 templates do.
    {.name = "deepseek-r1",
     .system = {"", ""},
     .user = kDeepSeekUser,
     .assistant = kDeepSeekAssistant,
     .generation_prompt = "<｜Assistant｜><think>\n",
     .system_placement = SP::kFront,
     .system_separator = "\n\n",
     .drop_reasoning = true,
     .bos = kDeepSeekBos,
     .stops = {kDeepSeekEos}},
    // DeepSeek-V2 / V2.5 chat.
    {.name = "deepseek2",
     .system = {"", "\n\n"},
     .user = {"User: ", "\n\n"},
     .assistant = {"Assistant: ", kDeepSeekEos},
     .generation_prompt = "Assistant:",
     .bos = kDeepSeekBos,
     .stops = {kDeepSeekEos, "\nUser:"}},
    // DeepSeek-V3: all system text first, then <｜User｜>/<｜Assistant｜> turns.
    {.name = "deepseek3",
     .system = {"", ""},
     .user = kDeepSeekUser,
     .assistant = kDeepSeekAssistant,
     .generation_prompt = "<｜Assistant｜>",
     .system_placement = SP::kFront,
     .system_separator = "\n\n",
     .bos = kDeepSeekBos,
     .stops = {kDeepSeekEos}},
    // TII Falcon-7B/40B-instruct (no official template; ollama's form).
    {.name = "falcon",
     .aliases = {"falcon-instruct"},
     .system = {"System: ", "\n"},
     .user = {"User:\n", "\n"},
     .assistant = {"Falcon:\n", "\n"},
     .generation_prompt = "Falcon:\n",
     .stops = {"\nUser:"}},
    // Google Gemma 1 and 2. The template rejects system messages; like ollama (and
    // llama.cpp's Jinja path) the system text opens the next user turn, one newline after it.
    {.name = "gemma",
     .aliases = {"gemma-instruct", "gemma2"},
     .system = {"", "\n"},
     .user = kGemmaUser,
     .assistant = kGemmaModel,
     .generation_prompt = "<start_of_turn>model\n",
     .system_placement = SP::kNextUser,
     .trim = kTrimUser | kTrimAssistant,
     .bos = "<bos>",
     .stops = {"<end_of_turn>"}},
    // Google Gemma 3: the system text opens the first user turn, a blank line after it.
    {.name = "gemma3",
     .system = {"", "\n\n"},
     .user = kGemmaUser,
     .assistant = kGemmaModel,
     .generation_prompt = "<start_of_turn>model\n",
     .system_placement = SP::kNextUser,
     .trim = kTrimUser | kTrimAssistant,
     .bos = "<bos>",
     .stops = {"<end_of_turn>"}},
    // ollama's Gemma 3 render: as gemma3, but its cue ends with a blank line.
    {.name = "gemma3-ollama",
     .system = {"", "\n\n"},
     .user = kGemmaUser,
     .assistant = kGemmaModel,
     .generation_prompt = "<start_of_turn>model\n\n",
     .system_placement = SP::kNextUser,
     .bos = "<bos>",
     .stops = {"<end_of_turn>"}},
    // IBM Granite 3.x (role markers). The 3.1+ templates' default system text is not added.
    {.name = "granite",
     .aliases = {"granite3"},
     .system = {"<|start_of_role|>system<|end_of_role|>", "<|end_of_text|>\n"},
     .user = {"<|start_of_role|>user<|end_of_role|>", "<|end_of_text|>\n"},
     .assistant = {"<|start_of_role|>assistant<|end_of_role|>", "<|end_of_text|>\n"},
     .generation_prompt = "<|start_of_role|>assistant<|end_of_role|>",
     .stops = {"<|end_of_text|>"}},
    // IBM Granite Code instruct (Question:/Answer:).
    {.name = "granite-code",
     .aliases = {"granite-instruct"},
     .system = {"System:\n", "\n\n"},
     .user = {"Question:\n", "\n\n"},
     .assistant = {"Answer:\n", "\n\n"},
     .generation_prompt = "Answer:\n",
     .stops = {"\nQuestion:"}},
    // Meta Llama-2-chat, as its Hugging Face template renders it: the system text in a
    // <<SYS>> block of the first [INST], text stripped, " </s><s>" between turns.
    {.name = "llama2",
     .system = {"<<SYS>>\n", "\n<</SYS>>\n\n"},
     .user = {"<s>[INST] ", " [/INST]"},
     .assistant = {" ", " </s>"},
     .system_placement = SP::kNextUser,
     .trim = kTrimAll,
     .bos = "<s>",
     .stops = {"</s>"}},
    // ollama's Llama 2 render: every [INST] carries a <<SYS>> block (empty after the first),
    // and "</s><s>" follows an answer without a space.
    {.name = "llama2-ollama",
     .system = {"\n", "\n"},
     .user = {"<s>[INST] <<SYS>>", " [/INST]"},
     .assistant = {" ", "</s>"},
     .user_content_prefix = "<</SYS>>\n\n",
     .system_placement = SP::kNextUser,
     .bos = "<s>",
     .stops = {"</s>"}},
    // Meta Llama 3 instruct (3.0), text trimmed as its template does.
    {.name = "llama3",
     .aliases = {"llama3-instruct"},
     .system = kHeaderSystem,
     .user = kHeaderUser,
     .assistant = kHeaderAssistant,
     .generation_prompt = "<|start_header_id|>assistant<|end_header_id|>\n\n",
     .trim = kTrimAll,
     .bos = "<|begin_of_text|>",
     .stops = {"<|eot_id|>"}},
    // Meta Llama 3.1 / 3.2 / 3.3: a system turn always comes first and opens with the
    // knowledge-cutoff lines. The date is the templates' own fallback (3.2 would use today's
    // date when the renderer offers strftime_now).
    {.name = "llama3.1",
     .aliases = {"llama3.2", "llama3.3"},
     .system = kHeaderSystem,
     .user = kHeaderUser,
     .assistant = kHeaderAssistant,
     .generation_prompt = "<|start_header_id|>assistant<|end_header_id|>\n\n",
     .trim = kTrimAll,
     .system_preamble = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n",
     .bos = "<|begin_of_text|>",
     .stops = {"<|eot_id|>", "<|eom_id|>"}},
    // ise-uiuc Magicoder.
    {.name = "magicoder",
     .system = {"", "\n\n"},
     .user = {"@@ Instruction\n", "\n\n"},
     .assistant = {"@@ Response\n", "\n\n"},
     .generation_prompt = "@@ Response\n",
     .stops = {"\n@@ Instruction"}},
    // ollama's Mistral render: v3 spacing, system text in the first [INST] (llama.cpp's
    // built-in Mistral formats do the same). Mistral's own library puts it in the last one:
    // that is "mistral-v3".
    {.name = "mistral-ollama",
     .system = {"", "\n\n"},
     .user = {"[INST] ", "[/INST]"},
     .assistant = {" ", "</s>"},
     .system_placement = SP::kNextUser,
     .bos = "<s>",
     .stops = {"</s>"}},
    // Mistral tokenizer v1 (Mistral-7B-Instruct v0.1/v0.2, Mixtral-8x7B), as mistral-common
    // renders it: spaces around the [INST] markers, system text in the first [INST].
    {.name = "mistral-v1",
     .system = {"", "\n\n"},
     .user = {" [INST] ", " [/INST]"},
     .assistant = {" ", "</s>"},
     .system_placement = SP::kNextUser,
     .bos = "<s>",
     .stops = {"</s>"}},
    // Mistral tokenizer v2/v3 (Mistral-7B-Instruct v0.3, Mixtral-8x22B, Codestral, Large
    // 2407), as mistral-common renders it: all system text, joined by blank lines, opens the
    // last [INST].
    {.name = "mistral-v3",
     .aliases = {"mistral-v2"},
     .system = {"", "\n\n"},
     .user = {"[INST] ", "[/INST]"},
     .assistant = {" ", "</s>"},
     .system_placement = SP::kLastUser,
     .trim = kTrimAssistant,
     .bos = "<s>",
     .stops = {"</s>"}},
    // Mistral v3 with the Tekken tokenizer (Mistral-Nemo, Pixtral 12B): no spaces at all.
    {.name = "mistral-v3-tekken",
     .system = {"", "\n\n"},
     .user = {"[INST]", "[/INST]"},
     .assistant = {"", "</s>"},
     .system_placement = SP::kLastUser,
     .bos = "<s>",
     .stops = {"</s>"}},
    // Mistral v7 (Mistral-Large-2411): a [SYSTEM_PROMPT] turn of its own.
    {.name = "mistral-v7",
     .system = {"[SYSTEM_PROMPT] ", "[/SYSTEM_PROMPT]"},
     .user = {"[INST] ", "[/INST]"},
     .assistant = {" ", "</s>"},
     .bos = "<s>",
     .stops = {"</s>"}},
    // Mistral v7 with Tekken (Mistral-Small 3.x, Magistral): v7 without spaces.
    {.name = "mistral-v7-tekken",
     .system = {"[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"},
     .user = {"[INST]", "[/INST]"},
     .assistant = {"", "</s>"},
     .bos = "<s>",
     .stops = {"</s>"}},
    // OpenChat 3.5 (its Hugging Face template: a system message is "GPT4 Correct System").
    {.name = "openchat",
     .system = {"GPT4 Correct System: ", "<|end_of_turn|>"},
     .user = {"GPT4 Correct User: ", "<|end_of_turn|>"},
     .assistant = {"GPT4 Correct Assistant: ", "<|end_of_turn|>"},
     .generation_prompt = "GPT4 Correct Assistant:",
     .bos = "<s>",
     .stops = {"<|end_of_turn|>"}},
    // Microsoft Phi-3 / Phi-3.5.
    {.name = "phi3",
     .aliases = {"phi-3", "phi3.5"},
     .system = {"<|system|>\n", "<|end|>\n"},
     .user = {"<|user|>\n", "<|end|>\n"},
     .assistant = {"<|assistant|>\n", "<|end|>\n"},
     .generation_prompt = "<|assistant|>\n",
     .bos = "<s>",
     .stops = {"<|end|>"}},
    // Microsoft Phi-4: ChatML with <|im_sep|> and no newlines.
    {.name = "phi4",
     .system = {"<|im_start|>system<|im_sep|>", "<|im_end|>"},
     .user = {"<|im_start|>user<|im_sep|>", "<|im_end|>"},
     .assistant = {"<|im_start|>assistant<|im_sep|>", "<|im_end|>"},
     .generation_prompt = "<|im_start|>assistant<|im_sep|>",
     .stops = {"<|im_end|>"}},
    // Upstage SOLAR-10.7B-Instruct. Its Hugging Face template runs an answer into the next
    // "### User:"; this is ollama's form, which ends answers with "</s>" and a blank line.
    {.name = "solar",
     .aliases = {"solar-instruct"},
     .system = {"### System:\n", "\n\n"},
     .user = {"### User:\n", "\n\n"},
     .assistant = {"### Assistant:\n", "</s>\n\n"},
     .generation_prompt = "### Assistant:\n",
     .bos = "<s>",
     .stops = {"</s>", "\n### User:"}},
    // StarCoder2-15B-Instruct. Its template always opens with a fixed instruction sentence and
    // rejects system messages; here (as in ollama) a system text takes that place.
    {.name = "starcoder2",
     .aliases = {"starcoder2-instruct"},
     .system = {"", "\n\n"},
     .user = {"### Instruction\n", "\n\n"},
     .assistant = {"### Response\n", "<|endoftext|>\n\n"},
     .generation_prompt = "### Response\n",
     .stops = {"<|endoftext|>", "\n### Instruction"}},
    // Vicuna v1.1+.
    {.name = "vicuna",
     .system = {"", "\n\n"},
     .user = {"USER: ", "\n"},
     .assistant = {"ASSISTANT: ", "</s>\n"},
     .generation_prompt = "ASSISTANT:",
     .bos = "<s>",
     .stops = {"</s>", "\nUSER:"}},
    // Orca-Vicuna: Vicuna with a "SYSTEM:" line.
    {.name = "vicuna-orca",
     .system = {"SYSTEM: ", "\n"},
     .user = {"USER: ", "\n"},
     .assistant = {"ASSISTANT: ", "</s>\n"},
     .generation_prompt = "ASSISTANT:",
     .bos = "<s>",
     .stops = {"</s>", "\nUSER:"}},
    // HuggingFaceH4 Zephyr (Mistral-based: every turn ends with "</s>").
    {.name = "zephyr",
     .system = {"<|system|>\n", "</s>\n"},
     .user = {"<|user|>\n", "</s>\n"},
     .assistant = {"<|assistant|>\n", "</s>\n"},
     .generation_prompt = "<|assistant|>\n",
     .bos = "<s>",
     .stops = {"</s>"}},
};

// Python's str.strip() on ASCII whitespace, which is what the templates' trim/strip do to the
// texts that occur in practice.
std::string_view trim(std::string_view s) {
    constexpr std::string_view kSpace = " \t\n\r\f\v";
    const size_t begin = s.find_first_not_of(kSpace);
    if (begin == std::string_view::npos) return {};
    const size_t end = s.find_last_not_of(kSpace);
    return s.substr(begin, end - begin + 1);
}

// Appends template text and message content, remembering where content went.
class Builder {
public:
    explicit Builder(std::string_view bos) : bos_(bos) {}

    void text(std::string_view s) {
        // The tokenizer adds BOS; a format whose first turn starts with it (Llama 2's
        // "<s>[INST]") must not write it a second time.
        if (!started_ && !bos_.empty() && s.starts_with(bos_)) s.remove_prefix(bos_.size());
        append(s);
    }
    void content(std::string_view s) {
        if (s.empty()) return;
        out_.content_spans.push_back({out_.text.size(), s.size()});
        append(s);
    }
    RenderedPrompt finish() { return std::move(out_); }

private:
    void append(std::string_view s) {
        if (s.empty()) return;
        out_.text.append(s);
        started_ = true;
    }

    std::string_view bos_;
    bool started_ = false;
    RenderedPrompt out_;
};

enum class Role { kSystem, kUser, kAssistant };

struct Entry {
    Role role;
    std::string_view text;
};

Role role_of(std::string_view role) {
    if (role == "system") return Role::kSystem;
    if (role == "user") return Role::kUser;
    return Role::kAssistant;  // roles were validated by ChatTemplate
}

std::string_view body(const ChatFormat& f, Role role, std::string_view text) {
    if (role == Role::kAssistant && f.drop_reasoning) {
        constexpr std::string_view kThinkEnd = "</think>";
        const size_t end = text.rfind(kThinkEnd);
        if (end != std::string_view::npos) text.remove_prefix(end + kThinkEnd.size());
    }
    const uint8_t bit = role == Role::kSystem ? kTrimSystem
                        : role == Role::kUser ? kTrimUser
                                              : kTrimAssistant;
    return (f.trim & bit) ? trim(text) : text;
}

const Turn& turn_of(const ChatFormat& f, Role role) {
    switch (role) {
        case Role::kSystem: return f.system;
        case Role::kUser: return f.user;
        case Role::kAssistant: break;
    }
    return f.assistant;
}

}  // namespace

std::span<const ChatFormat> all_formats() { return kFormats; }

const ChatFormat* find_format(std::string_view name) {
    for (const ChatFormat& f : kFormats) {
        if (f.name == name) return &f;
        for (std::string_view alias : f.aliases) {
            if (!alias.empty() && alias == name) return &f;
        }
    }
    return nullptr;
}

std::string format_names() {
    std::string names;
    for (const ChatFormat& f : kFormats) {
        if (!names.empty()) names += ", ";
        names += f.name;
    }
    return names;
}

RenderedPrompt render(const ChatFormat& f, std::span<const ChatMessage> messages,
                      bool add_generation_prompt, std::string_view default_system) {
    std::vector<Entry> entries;
    entries.reserve(messages.size() + 1);
    if (!default_system.empty() && (messages.empty() || messages[0].role != "system")) {
        entries.push_back({Role::kSystem, default_system});
    }
    for (const ChatMessage& m : messages) {
        const Role role = role_of(m.role);
        entries.push_back({role, body(f, role, m.content)});
    }

    Builder b(f.bos);
    auto own_turn = [&](const Entry& e) {
        const Turn& t = turn_of(f, e.role);
        b.text(t.prefix);
        b.content(e.text);
        b.text(t.suffix);
    };
    // A user turn with system texts merged in front of its content; no content when system
    // text has no user turn to go to.
    auto user_turn = [&](std::span<const std::string_view> systems, std::string_view content) {
        b.text(f.user.prefix);
        for (std::string_view s : systems) {
            b.text(f.system.prefix);
            b.content(s);
            b.text(f.system.suffix);
        }
        b.text(f.user_content_prefix);
        b.content(content);
        b.text(f.user.suffix);
    };

    size_t first = 0;
    if (!f.system_preamble.empty()) {
        const bool leading = !entries.empty() && entries[0].role == Role::kSystem;
        b.text(f.system.prefix);
        b.text(f.system_preamble);
        if (leading) b.content(entries[0].text);
        b.text(f.system.suffix);
        first = leading ? 1 : 0;
    }
    const std::span<const Entry> rest = std::span<const Entry>(entries).subspan(first);

    switch (f.system_placement) {
        case SystemPlacement::kOwnTurn:
            for (const Entry& e : rest) own_turn(e);
            break;
        case SystemPlacement::kFront: {
            bool any = false;
            for (const Entry& e : rest) {
                if (e.role != Role::kSystem) continue;
                if (any) b.text(f.system_separator);
                own_turn(e);
                any = true;
            }
            for (const Entry& e : rest) {
                if (e.role != Role::kSystem) own_turn(e);
            }
            break;
        }
        case SystemPlacement::kNextUser: {
            std::vector<std::string_view> pending;
            for (const Entry& e : rest) {
                if (e.role == Role::kSystem) {
                    pending.push_back(e.text);
                } else if (e.role == Role::kUser) {
                    user_turn(pending, e.text);
                    pending.clear();
                } else {
                    own_turn(e);
                }
            }
            if (!pending.empty()) user_turn(pending, {});
            break;
        }
        case SystemPlacement::kLastUser: {
            std::vector<std::string_view> systems;
            size_t last_user = rest.size();
            for (size_t i = 0; i < rest.size(); ++i) {
                if (rest[i].role == Role::kSystem) systems.push_back(rest[i].text);
                if (rest[i].role == Role::kUser) last_user = i;
            }
            for (size_t i = 0; i < rest.size(); ++i) {
                const Entry& e = rest[i];
                if (e.role == Role::kSystem) continue;
                if (e.role == Role::kUser) {
                    user_turn(i == last_user ? std::span<const std::string_view>(systems)
                                             : std::span<const std::string_view>(),
                              e.text);
                } else {
                    own_turn(e);
                }
            }
            if (last_user == rest.size() && !systems.empty()) user_turn(systems, {});
            break;
        }
    }
    if (add_generation_prompt) b.text(f.generation_prompt);
    return b.finish();
}

}  // namespace openbook::tokenizer::chat
