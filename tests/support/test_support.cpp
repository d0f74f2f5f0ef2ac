#include "support/test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace openbook::testing {

TempDir::TempDir() {
    std::random_device rd;
    auto base = std::filesystem::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto candidate = base / ("openbook-test-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(rd()));
        std::error_code ec;
        if (std::filesystem::create_directory(candidate, ec)) {
            path_ = candidate;
            return;
        }
    }
    ADD_FAILURE() << "could not create a temporary directory under " << base;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) ADD_FAILURE() << "could not write " << path;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ADD_FAILURE() << "could not read " << path;
        return {};
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::filesystem::path shared_data_dir() {
    if (const char* env = std::getenv("OPENBOOK_SHARED_DATA"); env != nullptr && *env != '\0') {
        return std::filesystem::path(env);
    }
#ifdef OPENBOOK_SHARED_DATA_DEFAULT
    return std::filesystem::path(OPENBOOK_SHARED_DATA_DEFAULT);
#else
    return std::filesystem::path("../shared/data");
#endif
}

std::filesystem::path shared_data(std::string_view relative) {
    auto p = shared_data_dir() / relative;
    if (!std::filesystem::exists(p)) {
        ADD_FAILURE() << "shared test data missing: " << p;
    }
    return p;
}

}  // namespace openbook::testing
