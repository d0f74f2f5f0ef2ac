// Running the `openbook` binary from tests: capture exit code, stdout and stderr, or start it in
// the background to kill it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace openbook::testing {

struct ProcessResult {
    int exit_code = -1;  // -1 when it did not exit normally
    std::string out;
    std::string err;
};

// The openbook binary under test (set at build time).
std::string openbook_binary();

// Runs openbook with args; `env` entries ("NAME=value") are added to the environment; stdin is
// `stdin_file` (default /dev/null). Blocks until it exits.
ProcessResult run_openbook(const std::vector<std::string>& args,
                           const std::vector<std::string>& env = {},
                           const std::filesystem::path& cwd = {},
                           const std::filesystem::path& stdin_file = {});

// As run_openbook, and sends `signal` (e.g. SIGINT, as Ctrl-C does) once, as soon as the
// standard output read so far satisfies `when`.
ProcessResult run_openbook_interrupted(const std::vector<std::string>& args,
                                       const std::function<bool(const std::string&)>& when,
                                       int signal, const std::vector<std::string>& env = {});

// Starts openbook in the background with stdout/stderr to /dev/null; returns its pid.
pid_t spawn_openbook(const std::vector<std::string>& args);

}  // namespace openbook::testing
