// HubSettings::from_environment: the same variables, defaults and precedence as huggingface_hub
// (constants.py, utils/_auth.py), so both find the same cache and token.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hub/names.h"
#include "openbook/hub.h"

namespace openbook {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

std::filesystem::path home_dir() {
    if (auto h = env("HOME"); !h.empty()) return h;
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) {
        return pw->pw_dir;
    }
    return "/";
}

// "~/x" → "$HOME/x", as Python's os.path.expanduser does for these variables.
std::filesystem::path expand_user(const std::string& p) {
    if (p == "~") return home_dir();
    if (p.rfind("~/", 0) == 0) return home_dir() / p.substr(2);
    return p;
}

bool truthy(std::string v) {
    v = hub::lower_ascii(v);
    return v == "1" || v == "on" || v == "yes" || v == "true";
}

// Tokens are one line; huggingface_hub drops CR/LF anywhere and surrounding white space.
std::string clean_token(std::string t) {
    t.erase(std::remove_if(t.begin(), t.end(), [](char c) { return c == '\r' || c == '\n'; }),
            t.end());
    size_t b = 0, e = t.size();
    while (b < e && std::isspace(static_cast<unsigned char>(t[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(t[e - 1]))) --e;
    return t.substr(b, e - b);
}

}  // namespace

HubSettings HubSettings::from_environment() {
    HubSettings s;
    if (auto e = env("HF_ENDPOINT"); !e.empty()) {
        while (!e.empty() && e.back() == '/') e.pop_back();
        s.endpoint = e;
    }

    std::filesystem::path hf_home;
    if (auto h = env("HF_HOME"); !h.empty()) {
        hf_home = expand_user(h);
    } else if (auto x = env("XDG_CACHE_HOME"); !x.empty()) {
        hf_home = expand_user(x) / "huggingface";
    } else {
        hf_home = home_dir() / ".cache" / "huggingface";
    }
    if (auto c = env("HF_HUB_CACHE"); !c.empty()) {
        s.cache_dir = expand_user(c);
    } else if (auto legacy = env("HUGGINGFACE_HUB_CACHE"); !legacy.empty()) {
        s.cache_dir = expand_user(legacy);
    } else {
        s.cache_dir = hf_home / "hub";
    }

    if (auto t = clean_token(env("HF_TOKEN")); !t.empty()) {
        s.token = t;
        s.token_source = "HF_TOKEN";
    } else if (auto legacy = clean_token(env("HUGGING_FACE_HUB_TOKEN")); !legacy.empty()) {
        s.token = legacy;
        s.token_source = "HUGGING_FACE_HUB_TOKEN";
    } else {
        std::filesystem::path token_path =
            env("HF_TOKEN_PATH").empty() ? hf_home / "token" : expand_user(env("HF_TOKEN_PATH"));
        std::ifstream in(token_path);
        if (in) {
            std::stringstream ss;
            ss << in.rdbuf();
            s.token = clean_token(ss.str());
            if (!s.token.empty()) s.token_source = token_path.string();
        }
    }

    s.offline = truthy(env("HF_HUB_OFFLINE")) || truthy(env("TRANSFORMERS_OFFLINE"));
    if (auto o = env("OLLAMA_MODELS"); !o.empty()) {
        s.ollama_dir = expand_user(o);
    } else {
        s.ollama_dir = home_dir() / ".ollama" / "models";
    }
    return s;
}

}  // namespace openbook
