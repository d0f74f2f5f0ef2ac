#include "ingest/file_walker.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <utility>

#include "core/fs.h"
#include "core/glob.h"

namespace openbook::ingest {

namespace {

class Walker {
public:
    Walker(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
           const std::filesystem::path& skip_dir, WalkResult& out)
        : include_(include), exclude_(exclude), skip_dir_(skip_dir), out_(out) {}

    void walk_root(const std::string& given) {
        std::filesystem::path p(given);
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0) {
            out_.errors.push_back({given, core::errno_message(errno)});
            return;
        }
        if (S_ISDIR(st.st_mode)) {
            walk_dir(p, given, "", st);
        } else if (S_ISREG(st.st_mode)) {
            std::string name = p.filename().string();
            if (excluded(name)) {
                out_.skipped.push_back({given, "excluded by --exclude"});
                return;
            }
            add_file(p, given, st);
        } else {
            out_.errors.push_back({given, "not a regular file or folder"});
        }
    }

private:
    bool excluded(const std::string& relative) const {
        return std::any_of(exclude_.begin(), exclude_.end(),
                           [&](const std::string& g) { return core::glob_match(g, relative); });
    }
    bool included(const std::string& relative) const {
        return include_.empty() ||
               std::any_of(include_.begin(), include_.end(),
                           [&](const std::string& g) { return core::glob_match(g, relative); });
    }

    void add_file(const std::filesystem::path& p, const std::string& display,
                  const struct stat& st) {
        if (!seen_files_.insert({st.st_dev, st.st_ino}).second) return;  // same file twice
        FoundFile f;
        f.absolute = core::absolute_normal(p);
        f.display = display;
        f.size = static_cast<uint64_t>(st.st_size);
        f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        f.format = format_from_extension(p.filename().string());
        out_.files.push_back(std::move(f));
    }

    void walk_dir(const std::filesystem::path& dir, const std::string& display,
                  const std::string& relative, const struct stat& st) {
        if (!skip_dir_.empty() && core::absolute_normal(dir) == skip_dir_) return;
        if (!seen_dirs_.insert({st.st_dev, st.st_ino}).second) return;  // symlink loop
        std::error_code ec;
        std::vector<std::filesystem::path> entries;
        for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
             it.increment(ec)) {
            entries.push_back(it->path());
        }
        if (ec) {
            out_.errors.push_back({display, ec.message()});
            return;
        }
        std::sort(entries.begin(), entries.end());
        for (const auto& entry : entries) {
            const std::string name = entry.filename().string();
            const std::string child_display =
                (display.empty() || display.back() == '/') ? display + name : display + "/" + name;
            const std::string child_relative = relative.empty() ? name : relative + "/" + name;
            if (name.starts_with(".")) {
                out_.skipped.push_back({child_display, "hidden"});
                continue;
            }
            struct stat cst {};
            if (::stat(entry.c_str(), &cst) != 0) {
                out_.errors.push_back({child_display, core::errno_message(errno)});
                continue;
            }
            if (excluded(child_relative)) {
                out_.skipped.push_back({child_display, "excluded by --exclude"});
                continue;
            }
            if (S_ISDIR(cst.st_mode)) {
                walk_dir(entry, child_display, child_relative, cst);
            } else if (S_ISREG(cst.st_mode)) {
                if (!format_from_extension(name)) {
                    out_.skipped.push_back({child_display, "unsupported format"});
                } else if (!included(child_relative)) {
                    out_.skipped.push_back({child_display, "not matched by --include"});
                } else {
                    add_file(entry, child_display, cst);
                }
            }
        }
    }

    const std::vector<std::string>& include_;
    const std::vector<std::string>& exclude_;
    std::filesystem::path skip_dir_;
    WalkResult& out_;
    std::set<std::pair<dev_t, ino_t>> seen_dirs_;
    std::set<std::pair<dev_t, ino_t>> seen_files_;
};

}  // namespace

WalkResult walk_paths(const std::vector<std::string>& paths,
                      const std::vector<std::string>& include,
                      const std::vector<std::string>& exclude,
                      const std::filesystem::path& skip_dir) {
    WalkResult out;
    Walker walker(include, exclude, skip_dir.empty() ? skip_dir : core::absolute_normal(skip_dir),
                  out);
    for (const auto& p : paths) walker.walk_root(p);
    return out;
}

}  // namespace openbook::ingest
