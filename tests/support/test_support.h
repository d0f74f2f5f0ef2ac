// Helpers shared by every test binary: temporary directories, files, and the shared test data.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace openbook::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Writes bytes to path (creating parent directories).
void write_file(const std::filesystem::path& path, std::string_view bytes);
std::string read_file(const std::filesystem::path& path);

// ../shared/data as configured at build time (OPENBOOK_SHARED_DATA in the environment wins).
std::filesystem::path shared_data_dir();
// shared_data_dir() / relative; the test fails (not skips) when it is missing: CI has the data.
std::filesystem::path shared_data(std::string_view relative);

}  // namespace openbook::testing
