// Recognizing a chat format family from a Hugging Face Jinja template (chat_formats.h).
//
// Templates are programs, but each family's source contains marker text nobody else uses
// ("<|im_start|>", "<|start_header_id|>", "<start_of_turn>", …). The rules run most specific
// first: several families share a marker (Phi-4 is ChatML with <|im_sep|>; Mistral's versions
// differ only in the spaces around "[INST]"), so the narrower test must win. Source text is
// matched as written in the template, i.e. "\n" inside a Jinja string is a backslash and an
// "n"; the rules avoid depending on that where they can.
#include <string>

#include "model/tokenizer/chat_formats.h"

namespace openbook::tokenizer::chat {
namespace {

bool has(std::string_view source, std::string_view needle) {
    return source.find(needle) != std::string_view::npos;
}

// Whether `marker` occurs directly followed by a quote: the template writes "[INST]" with no
// space after it, which is how the Tekken-tokenizer templates differ from the others.
bool followed_by_quote(std::string_view source, std::string_view marker) {
    for (size_t at = source.find(marker); at != std::string_view::npos;
         at = source.find(marker, at + 1)) {
        const size_t next = at + marker.size();
        if (next < source.size() && (source[next] == '\'' || source[next] == '"')) return true;
    }
    return false;
}

// Zephyr ends each user text with the EOS token ("'<|user|>\n' + content + eos_token"), where
// Falcon 3 and GLM-Edge, which share the role markers, end it with a newline or nothing:
// EOS must come before the next "<|" marker.
bool eos_after_user(std::string_view source) {
    const size_t user = source.find("<|user|>");
    if (user == std::string_view::npos) return false;
    std::string_view after = source.substr(user + 8);
    after = after.substr(0, after.find("<|"));
    return has(after, "eos_token") || has(after, "</s>");
}

// A ChatML template that supplies its own system prompt when the conversation has none writes
// it as one string literal: '<|im_start|>system\nYou are …<|im_end|>'. Returns its text, or "".
std::string chatml_default_system(std::string_view source) {
    constexpr std::string_view kOpen = "<|im_start|>system";
    constexpr std::string_view kClose = "<|im_end|>";
    for (size_t at = source.find(kOpen); at != std::string_view::npos;
         at = source.find(kOpen, at + 1)) {
        std::string_view rest = source.substr(at + kOpen.size());
        if (rest.starts_with("\\n")) {
            rest.remove_prefix(2);
        } else if (rest.starts_with("\n")) {
            rest.remove_prefix(1);
        } else {
            continue;
        }
        const size_t close = rest.find(kClose);
        if (close == std::string_view::npos || close == 0) continue;
        const std::string_view literal = rest.substr(0, close);
        // Still inside the same string literal: no unescaped quote in between.
        std::string text;
        bool closed = false;
        for (size_t i = 0; i < literal.size() && !closed; ++i) {
            if (literal[i] == '\\' && i + 1 < literal.size()) {
                const char c = literal[++i];
                text += c == 'n' ? '\n' : c == 't' ? '\t' : c;
            } else if (literal[i] == '\'' || literal[i] == '"') {
                closed = true;
            } else {
                text += literal[i];
            }
        }
        if (closed) continue;
        return text;
    }
    return {};
}

const char* mistral_family(std::string_view source) {
    if (has(source, "[SYSTEM_PROMPT]")) {
        return followed_by_quote(source, "[INST]") || followed_by_quote(source, "[SYSTEM_PROMPT]")
                   ? "mistral-v7-tekken"
                   : "mistral-v7";
    }
    if (has(source, "<<SYS>>")) return "llama2";
    if (followed_by_quote(source, "[INST]")) return "mistral-v3-tekken";
    // v1 writes ' [INST] ' with a leading space; v2/v3 templates come with tool support.
    if (has(source, "[AVAILABLE_TOOLS]") && !has(source, " [INST]")) return "mistral-v3";
    // The official v1 template, and the older "[INST] … [/INST]" templates of Mistral-7B
    // v0.1/v0.2 and Mixtral-8x7B, whose tokenizer Mistral documents as v1.
    return "mistral-v1";
}

// The family name for `s`, "" when nothing matches. `unsupported` is set for formats that are
// recognized but not rendered.
std::string_view family_of(std::string_view s, std::string& unsupported) {
    if (has(s, "<|im_start|>")) return has(s, "<|im_sep|>") ? "phi4" : "chatml";
    if (has(s, "[INST]")) return mistral_family(s);
    if (has(s, "<start_of_turn>")) {
        return has(s, "<start_of_image>") || has(s, "first_user_prefix") ? "gemma3" : "gemma";
    }
    if (has(s, "<|start_header_id|>") && has(s, "<|end_header_id|>")) {
        return has(s, "Cutting Knowledge Date") ? "llama3.1" : "llama3";
    }
    if (has(s, "<|START_OF_TURN_TOKEN|>")) {
        if (has(s, "<|START_RESPONSE|>")) {
            unsupported = "Cohere Command R7B / A (<|START_RESPONSE|> turns)";
            return {};
        }
        if (has(s, "<|USER_TOKEN|>")) return "command-r";
    }
    if (has(s, "<|assistant|>") && has(s, "<|end|>")) return "phi3";
    if (has(s, "[gMASK]")) {
        unsupported = "ChatGLM / GLM-4";
        return {};
    }
    if (has(s, "<|user|>") && has(s, "<|assistant|>")) {
        if (!has(s, "<|endoftext|>") && eos_after_user(s)) return "zephyr";
        unsupported =
            "a <|user|>/<|assistant|> format other than Zephyr (Falcon 3, GLM-Edge, "
            "StableLM-Zephyr)";
        return {};
    }
    if (has(s, "GPT4 Correct ")) return "openchat";
    if (has(s, "USER:") && has(s, "ASSISTANT:")) {
        return has(s, "SYSTEM:") ? "vicuna-orca" : "vicuna";
    }
    if (has(s, "### Instruction:") && has(s, "<|EOT|>")) return "deepseek";
    if (has(s, "<｜User｜>") && has(s, "<｜Assistant｜>")) {
        return has(s, "</think>") ? "deepseek-r1" : "deepseek3";
    }
    if (has(s, "User: ") && has(s, "Assistant: ") &&
        (has(s, "eos_token") || has(s, "<｜end▁of▁sentence｜>"))) {
        return "deepseek2";
    }
    if (has(s, "<|start_of_role|>")) return "granite";
    if (has(s, "Question:") && has(s, "Answer:")) return "granite-code";
    if (has(s, "@@ Instruction")) return "magicoder";
    if (has(s, "### Instruction:") && has(s, "### Response:")) return "alpaca";
    if (has(s, "### Instruction") && has(s, "### Response")) return "starcoder2";
    if (has(s, "### User:") && has(s, "### Assistant:")) return "solar";
    if (has(s, "<start_user>") && has(s, "<start_assistant>")) return "alfred";
    if (has(s, "Source: assistant") && has(s, "<step>")) return "codellama-70b";
    if (has(s, "System: ") && has(s, "User: ") && has(s, "Assistant:")) return "chatqa";
    if (has(s, "User:") && has(s, "Falcon:")) return "falcon";
    return {};
}

// The template's first line, shortened, to name it in an error.
std::string excerpt(std::string_view source) {
    std::string_view line = source.substr(0, source.find('\n'));
    constexpr size_t kMax = 60;
    if (line.size() <= kMax) return std::string(line);
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    return std::string(line.substr(0, cut)) + "…";
}

}  // namespace

Result<Detection> detect(std::string_view jinja_source) {
    std::string unsupported;
    const std::string_view family = family_of(jinja_source, unsupported);
    const std::string choose =
        "; choose a family by name instead (supported: " + format_names() + ")";
    if (!unsupported.empty()) {
        return Status::unsupported("chat template is " + unsupported +
                                   ", which openbook does not render" + choose);
    }
    if (family.empty()) {
        if (jinja_source.empty()) return Status::unsupported("the chat template is empty" + choose);
        return Status::unsupported("chat template not recognized (\"" + excerpt(jinja_source) +
                                   "\")" + choose);
    }
    Detection d;
    d.format = find_format(family);
    if (d.format == nullptr) {
        return Status::internal("chat detection names an unknown family: " + std::string(family));
    }
    if (family == "chatml") d.default_system = chatml_default_system(jinja_source);
    return d;
}

}  // namespace openbook::tokenizer::chat
