#include "hub/names.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace openbook::hub {
namespace {

constexpr std::string_view kOllamaHost = "registry.ollama.ai";
constexpr std::string_view kOllamaNamespace = "library";

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
        if (pos == std::string_view::npos) return parts;
        start = pos + 1;
    }
}

// "'text'" followed by `rest`, built by appending (g++ 12 warns falsely on "'" + string + ...).
std::string quoted(std::string_view text, std::string_view rest) {
    std::string out = "'";
    out.append(text);
    out += '\'';
    out.append(rest);
    return out;
}

bool repo_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

Status check_path_like(std::string_view what, std::string_view s) {
    if (s.empty()) return Status::invalid_argument(std::string(what) + " is empty");
    if (s.size() > 1000) return Status::invalid_argument(std::string(what) + " is too long");
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') {
            return Status::invalid_argument(std::string(what) + " " +
                                            quoted(s, " contains a control character or backslash"));
        }
    }
    for (auto part : split(s, '/')) {
        if (part.empty() || part == "." || part == "..") {
            return Status::invalid_argument(std::string(what) + " " +
                                            quoted(s, " is not a plain relative path"));
        }
    }
    return {};
}

}  // namespace

std::string lower_ascii(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

Status check_repo_id(std::string_view repo) {
    auto parts = split(repo, '/');
    auto bad = [&](const std::string& why) {
        return Status::invalid_argument(quoted(repo, " is not a Hub repository id (ORG/NAME): ") +
                                        why);
    };
    if (parts.size() != 2) return bad("it needs exactly one '/'");
    for (auto p : parts) {
        if (p.empty() || p.size() > 96) return bad("a part is empty or too long");
        if (!std::all_of(p.begin(), p.end(), repo_char)) {
            return bad("only letters, digits, '.', '_' and '-' are allowed");
        }
        if (p.front() == '.' || p.front() == '-' || p.back() == '.' || p.back() == '-') {
            return bad("a part starts or ends with '.' or '-'");
        }
        if (p.find("..") != std::string_view::npos || p.find("--") != std::string_view::npos) {
            return bad("'..' and '--' are not allowed");
        }
    }
    return {};
}

Status check_repo_file_name(std::string_view name) { return check_path_like("file name", name); }

Status check_revision(std::string_view revision) { return check_path_like("revision", revision); }

Status check_etag(std::string_view etag) {
    const bool ok = !etag.empty() && etag.size() <= 128 &&
                    std::all_of(etag.begin(), etag.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                    });
    if (!ok) return Status::corrupt("unexpected ETag " + quoted(etag, ""));
    return {};
}

std::string repo_folder_name(std::string_view repo) {
    std::string out = "models--";
    for (char c : repo) {
        if (c == '/') {
            out += "--";
        } else {
            out += c;
        }
    }
    return out;
}

Result<std::string> full_ollama_name(std::string_view name) {
    if (name.empty()) return Status::invalid_argument("empty Ollama model name");
    std::string path(name);
    std::string tag = "latest";
    const auto slash = path.rfind('/');
    const auto colon = path.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        tag = path.substr(colon + 1);
        path.resize(colon);
    }
    auto parts = split(path, '/');
    std::vector<std::string> full;
    if (parts.size() == 1) {
        full = {std::string(kOllamaHost), std::string(kOllamaNamespace), std::string(parts[0])};
    } else if (parts.size() == 2) {
        full = {std::string(kOllamaHost), std::string(parts[0]), std::string(parts[1])};
    } else if (parts.size() == 3) {
        full = {std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
    } else {
        return Status::invalid_argument(
            quoted(name, " is not an Ollama name ([HOST/][NAMESPACE/]MODEL[:TAG])"));
    }
    for (const auto& p : full) {
        if (auto st = check_path_like("Ollama name part", p); !st.ok()) return st;
        if (p.find(':') != std::string::npos && &p != &full[0]) {
            return Status::invalid_argument(quoted(name, " has a ':' inside a name"));
        }
    }
    if (auto st = check_path_like("Ollama tag", tag); !st.ok() || tag.find('/') != std::string::npos) {
        return Status::invalid_argument(quoted(name, " has an invalid tag"));
    }
    return full[0] + "/" + full[1] + "/" + full[2] + ":" + tag;
}

std::string ollama_short_name(std::string_view full_name) {
    std::string s(full_name);
    const std::string host_ns = std::string(kOllamaHost) + "/" + std::string(kOllamaNamespace) + "/";
    if (s.rfind(host_ns, 0) == 0) return s.substr(host_ns.size());
    const std::string host = std::string(kOllamaHost) + "/";
    if (s.rfind(host, 0) == 0) return s.substr(host.size());
    return s;
}

}  // namespace openbook::hub
