// The ask/chat settings files (include/openbook/settings.h): TOML parsed with toml++, checked key
// by key so every error names the file and line, merged user file < collection file.

#include "openbook/settings.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/fs.h"

namespace openbook {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxInteger = std::numeric_limits<int32_t>::max();

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

const char* type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table: return "table";
        case toml::node_type::array: return "array";
        case toml::node_type::string: return "string";
        case toml::node_type::integer: return "integer";
        case toml::node_type::floating_point: return "float";
        case toml::node_type::boolean: return "boolean";
        case toml::node_type::date: return "date";
        case toml::node_type::time: return "time";
        case toml::node_type::date_time: return "date-time";
        default: return "nothing";
    }
}

// One key = value to interpret, with the line it was written on (for messages).
struct Entry {
    const toml::node* node = nullptr;
    uint32_t line = 0;
};

// Parses one file; keeps the file name and the directory relative paths are resolved against.
class Parser {
public:
    explicit Parser(const fs::path& file_name)
        : file_(file_name.string()), dir_(core::absolute_normal(file_name).parent_path()) {}

    Result<AnswerSettings> parse(std::string_view text) {
        out_.files.push_back(fs::path(file_));
        // The Debian library is built with exceptions (its symbols live in toml::ex), so parse()
        // throws parse_error; a build without exceptions returns a parse_result instead.
#if TOML_EXCEPTIONS
        toml::table root;
        try {
            root = toml::parse(text, file_);
        } catch (const toml::parse_error& e) {
            return syntax_error(e);
        }
#else
        toml::parse_result parsed = toml::parse(text, file_);
        if (!parsed) return syntax_error(parsed.error());
        toml::table root = std::move(parsed).table();
#endif
        OPENBOOK_RETURN_IF_ERROR(collect(root));
        // toml++ keeps keys sorted by name; notes and the first error follow the file's order.
        std::vector<std::pair<uint32_t, std::string>> order;
        for (const auto& [key, entry] : entries_) order.emplace_back(entry.line, key);
        std::sort(order.begin(), order.end());
        for (const auto& [line, key] : order) OPENBOOK_RETURN_IF_ERROR(apply(key, entries_[key]));
        std::stable_sort(notes_.begin(), notes_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& note : notes_) out_.notes.push_back(std::move(note.second));
        return std::move(out_);
    }

private:
    Status syntax_error(const toml::parse_error& e) const {
        return Status::invalid_argument(fmt::format("{}:{}:{}: {}", file_, e.source().begin.line,
                                                    e.source().begin.column, e.description()));
    }

    static uint32_t line_of(const toml::key& key, const toml::node& node) {
        return key.source().begin.line != 0 ? key.source().begin.line : node.source().begin.line;
    }

    Status error_at(uint32_t line, const std::string& what) const {
        return Status::invalid_argument(fmt::format("{}:{}: {}", file_, line, what));
    }

    // Gathers the known keys from the top level and from [answer]; anything else becomes a note.
    Status collect(const toml::table& root) {
        for (const auto& [key, node] : root) {
            const std::string name(key.str());
            if (name == "answer") {
                const toml::table* table = node.as_table();
                if (table == nullptr) {
                    return error_at(
                        line_of(key, node),
                        fmt::format("'answer' must be a table, got {}", type_name(node)));
                }
                for (const auto& [inner_key, inner_node] : *table) {
                    OPENBOOK_RETURN_IF_ERROR(add(inner_key, inner_node, "[answer] "));
                }
            } else if (node.is_table()) {
                // A table meant for something else (or a later version): visible, not fatal.
                const uint32_t line = line_of(key, node);
                notes_.emplace_back(
                    line, fmt::format("{}:{}: unknown table '{}' (ignored)", file_, line, name));
            } else {
                OPENBOOK_RETURN_IF_ERROR(add(key, node, ""));
            }
        }
        return {};
    }

    Status add(const toml::key& key, const toml::node& node, std::string_view where) {
        static const char* const kKnown[] = {"model",   "persona", "persona_file", "examples",
                                             "k",       "budget",  "max_tokens",   "temperature",
                                             "context", "threads", "neighbours"};
        const std::string name(key.str());
        const uint32_t line = line_of(key, node);
        bool known = false;
        for (const char* k : kKnown) known = known || name == k;
        if (!known) {
            notes_.emplace_back(
                line, fmt::format("{}:{}: unknown {}key '{}' (ignored)", file_, line, where, name));
            return {};
        }
        // Both spellings in one file would leave the reader guessing which one counts.
        if (auto it = entries_.find(name); it != entries_.end()) {
            return error_at(line, fmt::format("'{}' is set twice (at the top level and under "
                                              "[answer], line {})",
                                              name, it->second.line));
        }
        entries_[name] = Entry{&node, line};
        return {};
    }

    Result<std::string> string_value(const std::string& key, const Entry& e) const {
        if (const auto* s = e.node->as_string()) return s->get();
        return error_at(e.line,
                        fmt::format("'{}' must be a string, got {}", key, type_name(*e.node)));
    }

    Result<int64_t> positive_integer(const std::string& key, const Entry& e,
                                     int64_t min = 1) const {
        const char* what = min > 0 ? "a positive integer" : "an integer >= 0";
        const auto* i = e.node->as_integer();
        if (i == nullptr) {
            return error_at(e.line,
                            fmt::format("'{}' must be {}, got {}", key, what, type_name(*e.node)));
        }
        const int64_t v = i->get();
        if (v < min) {
            return error_at(e.line, fmt::format("'{}' must be {}, got {}", key, what, v));
        }
        if (v > kMaxInteger) {
            return error_at(e.line,
                            fmt::format("'{}' must be at most {}, got {}", key, kMaxInteger, v));
        }
        return v;
    }

    Result<double> temperature(const Entry& e) const {
        double v = 0;
        if (const auto* f = e.node->as_floating_point()) {
            v = f->get();
        } else if (const auto* i = e.node->as_integer()) {
            v = static_cast<double>(i->get());  // "temperature = 0" is natural to write
        } else {
            return error_at(e.line, fmt::format("'temperature' must be a number >= 0, got {}",
                                                type_name(*e.node)));
        }
        if (!std::isfinite(v) || v < 0) {
            return error_at(e.line, fmt::format("'temperature' must be a number >= 0, got {}", v));
        }
        return v;
    }

    // "~/x" → $HOME/x; anything else unchanged.
    Result<fs::path> expand_home(const std::string& key, const Entry& e,
                                 const std::string& value) const {
        if (value != "~" && value.rfind("~/", 0) != 0) return fs::path(value);
        const std::string home = env_or_empty("HOME");
        if (home.empty()) {
            return error_at(e.line, fmt::format("'{}' starts with '~' but $HOME is not set", key));
        }
        return value == "~" ? fs::path(home) : fs::path(home) / value.substr(2);
    }

    // A path the file names (persona_file, examples): relative to the file's directory.
    Result<fs::path> file_path(const std::string& key, const Entry& e) const {
        OPENBOOK_ASSIGN_OR_RETURN(std::string value, string_value(key, e));
        if (value.empty()) return error_at(e.line, fmt::format("'{}' is empty", key));
        OPENBOOK_ASSIGN_OR_RETURN(fs::path p, expand_home(key, e, value));
        return p.is_absolute() ? p.lexically_normal() : (dir_ / p).lexically_normal();
    }

    // A model may be a file or a reference such as "qwen2.5:0.5b"; only a relative path that
    // names an existing file next to the settings file is taken as that file.
    Result<std::string> model_value(const Entry& e) const {
        OPENBOOK_ASSIGN_OR_RETURN(std::string value, string_value("model", e));
        if (value.empty()) return error_at(e.line, "'model' is empty");
        OPENBOOK_ASSIGN_OR_RETURN(fs::path p, expand_home("model", e, value));
        if (p.is_absolute()) return p.lexically_normal().string();
        const fs::path candidate = (dir_ / p).lexically_normal();
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
        return value;
    }

    Result<std::string> read_persona(const Entry& e, const fs::path& path) const {
        auto text = core::read_file(path);
        if (!text.has_value()) {
            return text.error().with_context(fmt::format("{}:{}: 'persona_file'", file_, e.line));
        }
        std::string s = std::move(text).value();
        if (s.rfind("\xEF\xBB\xBF", 0) == 0) s.erase(0, 3);  // editors on Windows add a BOM
        // The trailing newline every text file ends with is not part of the persona.
        while (!s.empty() &&
               (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
            s.pop_back();
        }
        return s;
    }

    Status apply(const std::string& key, const Entry& e) {
        if (key == "model") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.model, model_value(e));
        } else if (key == "persona") {
            if (auto it = entries_.find("persona_file"); it != entries_.end()) {
                return error_at(e.line, fmt::format("give 'persona' or 'persona_file' (line {}), "
                                                    "not both",
                                                    it->second.line));
            }
            OPENBOOK_ASSIGN_OR_RETURN(out_.persona, string_value(key, e));
        } else if (key == "persona_file") {
            OPENBOOK_ASSIGN_OR_RETURN(fs::path p, file_path(key, e));
            OPENBOOK_ASSIGN_OR_RETURN(out_.persona, read_persona(e, p));
            out_.persona_file = p;
        } else if (key == "examples") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.examples, file_path(key, e));
        } else if (key == "k") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.k, positive_integer(key, e));
        } else if (key == "neighbours") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.neighbours, positive_integer(key, e, 0));
        } else if (key == "budget") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.budget, positive_integer(key, e));
        } else if (key == "max_tokens") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.max_tokens, positive_integer(key, e));
        } else if (key == "temperature") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.temperature, temperature(e));
        } else if (key == "context") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.context, positive_integer(key, e));
        } else if (key == "threads") {
            OPENBOOK_ASSIGN_OR_RETURN(out_.threads, positive_integer(key, e));
        }
        return {};
    }

    std::string file_;
    fs::path dir_;
    std::map<std::string, Entry> entries_;
    std::vector<std::pair<uint32_t, std::string>> notes_;  // (line, text)
    AnswerSettings out_;
};

// Reads and parses `path`; nullopt when it does not exist and `must_exist` is false.
Result<std::optional<AnswerSettings>> load_file(const fs::path& path, bool must_exist) {
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec && st.type() != fs::file_type::not_found) {
        // Not "missing" (e.g. a directory on the way that may not be searched): say so.
        return Status::io_error(fmt::format("{}: {}", path.string(), ec.message()));
    }
    if (!fs::exists(st)) {
        if (!must_exist) return std::optional<AnswerSettings>();
        return Status::not_found(fmt::format("{}: no such settings file", path.string()));
    }
    if (fs::is_directory(st)) {
        return Status::invalid_argument(
            fmt::format("{}: is a directory, not a settings file", path.string()));
    }
    OPENBOOK_ASSIGN_OR_RETURN(std::string text, core::read_file(path));
    OPENBOOK_ASSIGN_OR_RETURN(AnswerSettings s, parse_answer_settings(text, path));
    return std::optional<AnswerSettings>(std::move(s));
}

}  // namespace

bool AnswerSettings::empty() const {
    return !model && !persona && !persona_file && !examples && !k && !budget && !neighbours && !max_tokens &&
           !temperature && !context && !threads;
}

Result<AnswerSettings> parse_answer_settings(std::string_view toml_text,
                                             const fs::path& file_name) {
    // Nothing below should throw, but toml++ and std::filesystem may (bad_alloc, a stray
    // filesystem_error); the contract is that no exception escapes.
    try {
        return Parser(file_name).parse(toml_text);
    } catch (const std::exception& e) {
        return Status::internal(fmt::format("{}: {}", file_name.string(), e.what()));
    }
}

fs::path user_settings_path() {
    if (const std::string xdg = env_or_empty("XDG_CONFIG_HOME"); !xdg.empty()) {
        return fs::path(xdg) / "openbook" / "config.toml";
    }
    if (const std::string home = env_or_empty("HOME"); !home.empty()) {
        return fs::path(home) / ".config" / "openbook" / "config.toml";
    }
    return {};
}

Result<AnswerSettings> load_answer_settings(const fs::path& collection_dir) {
    AnswerSettings merged;
    // An explicitly named file must exist: a typo in $OPENBOOK_CONFIG should not go unnoticed.
    const std::string named = env_or_empty("OPENBOOK_CONFIG");
    const fs::path user = named.empty() ? user_settings_path() : fs::path(named);
    if (!user.empty()) {
        OPENBOOK_ASSIGN_OR_RETURN(auto s, load_file(user, !named.empty()));
        if (s) merge_into(merged, *s);
    }
    if (!collection_dir.empty()) {
        OPENBOOK_ASSIGN_OR_RETURN(auto s, load_file(collection_dir / "openbook.toml", false));
        if (s) merge_into(merged, *s);
    }
    return merged;
}

void merge_into(AnswerSettings& base, const AnswerSettings& over) {
    if (over.model) base.model = over.model;
    if (over.persona) {
        // A persona given later replaces the earlier one wherever either came from.
        base.persona = over.persona;
        base.persona_file = over.persona_file;
    }
    if (over.examples) base.examples = over.examples;
    if (over.k) base.k = over.k;
    if (over.budget) base.budget = over.budget;
    if (over.neighbours) base.neighbours = over.neighbours;
    if (over.max_tokens) base.max_tokens = over.max_tokens;
    if (over.temperature) base.temperature = over.temperature;
    if (over.context) base.context = over.context;
    if (over.threads) base.threads = over.threads;
    base.files.insert(base.files.end(), over.files.begin(), over.files.end());
    base.notes.insert(base.notes.end(), over.notes.begin(), over.notes.end());
}

}  // namespace openbook
