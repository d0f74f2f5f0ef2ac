#include "core/glob.h"

#include <vector>

namespace openbook::core {

namespace {

class Matcher {
public:
    Matcher(std::string_view pattern, std::string_view text)
        : p_(pattern), t_(text), memo_((p_.size() + 1) * (t_.size() + 1), kUnknown) {}

    bool match(size_t pi, size_t ti) {
        signed char& m = memo_[pi * (t_.size() + 1) + ti];
        if (m != kUnknown) return m == kYes;
        bool r = compute(pi, ti);
        m = r ? kYes : kNo;
        return r;
    }

private:
    static constexpr signed char kUnknown = -1, kNo = 0, kYes = 1;

    bool compute(size_t pi, size_t ti) {
        if (pi == p_.size()) return ti == t_.size();
        char c = p_[pi];
        if (c == '*') {
            bool double_star = pi + 1 < p_.size() && p_[pi + 1] == '*';
            if (double_star) {
                size_t next = pi + 2;
                // "**/" may match zero directories: "a/**/b" matches "a/b".
                if (next < p_.size() && p_[next] == '/' && match(next + 1, ti)) return true;
                for (size_t k = ti; k <= t_.size(); ++k) {
                    if (match(next, k)) return true;
                }
                return false;
            }
            for (size_t k = ti; k <= t_.size(); ++k) {
                if (match(pi + 1, k)) return true;
                if (k < t_.size() && t_[k] == '/') break;
            }
            return false;
        }
        if (ti == t_.size()) return false;
        if (c == '?') return t_[ti] != '/' && match(pi + 1, ti + 1);
        if (c == '[') {
            size_t end = pi + 1;
            if (end < p_.size() && (p_[end] == '!' || p_[end] == '^')) ++end;
            if (end < p_.size() && p_[end] == ']') ++end;  // "[]]" contains ']'
            while (end < p_.size() && p_[end] != ']') ++end;
            if (end >= p_.size()) return t_[ti] == '[' && match(pi + 1, ti + 1);  // literal '['
            if (t_[ti] == '/') return false;
            return in_set(pi + 1, end, static_cast<unsigned char>(t_[ti])) && match(end + 1, ti + 1);
        }
        if (c == '\\' && pi + 1 < p_.size()) {
            return t_[ti] == p_[pi + 1] && match(pi + 2, ti + 1);
        }
        return t_[ti] == c && match(pi + 1, ti + 1);
    }

    bool in_set(size_t begin, size_t end, unsigned char ch) const {
        bool negate = p_[begin] == '!' || p_[begin] == '^';
        if (negate) ++begin;
        bool found = false;
        for (size_t i = begin; i < end; ++i) {
            auto lo = static_cast<unsigned char>(p_[i]);
            if (i + 2 < end && p_[i + 1] == '-') {
                auto hi = static_cast<unsigned char>(p_[i + 2]);
                if (ch >= lo && ch <= hi) found = true;
                i += 2;
            } else if (ch == lo) {
                found = true;
            }
        }
        return found != negate;
    }

    std::string_view p_;
    std::string_view t_;
    std::vector<signed char> memo_;
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
    if (pattern.find('/') == std::string_view::npos) {
        size_t slash = path.rfind('/');
        if (slash != std::string_view::npos) path = path.substr(slash + 1);
    } else if (!pattern.empty() && pattern.front() == '/') {
        pattern.remove_prefix(1);  // "/docs/*.md": anchored at the walked root
    }
    Matcher m(pattern, path);
    return m.match(0, 0);
}

}  // namespace openbook::core
