#include "e2e/run_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace openbook::testing {

std::string openbook_binary() { return OPENBOOK_BINARY; }

namespace {

// Tests are hermetic: no user settings, no model cache or Ollama store of the machine, and a
// Hub endpoint that refuses connections at once (the default model is never really fetched).
// A test's own `env` entries override these.
const std::vector<std::string>& hermetic_environment() {
    static const std::vector<std::string> defaults = [] {
        const std::string none = (std::filesystem::temp_directory_path() / "openbook-e2e-none").string();
        return std::vector<std::string>{"OPENBOOK_CONFIG=/dev/null", "HF_HOME=" + none + "/hf",
                                        "HF_HUB_CACHE=" + none + "/hf/hub",
                                        "OLLAMA_MODELS=" + none + "/ollama",
                                        "HF_ENDPOINT=http://127.0.0.1:9", "HF_TOKEN=",
                                        "HF_TOKEN_PATH=" + none + "/hf/token"};
    }();
    return defaults;
}

[[noreturn]] void exec_child(const std::vector<std::string>& args,
                             const std::vector<std::string>& env) {
    for (const auto& e : hermetic_environment()) ::putenv(const_cast<char*>(e.c_str()));
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    std::string bin = openbook_binary();
    argv.push_back(bin.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
}

}  // namespace

namespace {

ProcessResult run(const std::vector<std::string>& args, const std::vector<std::string>& env,
                  const std::filesystem::path& cwd, const std::filesystem::path& stdin_file,
                  const std::function<bool(const std::string&)>& interrupt_when, int signal) {
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        int input = ::open(stdin_file.empty() ? "/dev/null" : stdin_file.c_str(), O_RDONLY);
        ::dup2(input, STDIN_FILENO);
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
        exec_child(args, env);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ProcessResult r;
    bool signalled = false;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        if (::poll(fds, 2, -1) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
                if (i == 0 && !signalled && interrupt_when && interrupt_when(r.out)) {
                    ::kill(pid, signal);
                    signalled = true;
                }
            }
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace

ProcessResult run_openbook(const std::vector<std::string>& args,
                           const std::vector<std::string>& env,
                           const std::filesystem::path& cwd,
                           const std::filesystem::path& stdin_file) {
    return run(args, env, cwd, stdin_file, {}, 0);
}

ProcessResult run_openbook_interrupted(const std::vector<std::string>& args,
                                       const std::function<bool(const std::string&)>& when,
                                       int signal, const std::vector<std::string>& env) {
    return run(args, env, {}, {}, when, signal);
}

pid_t spawn_openbook(const std::vector<std::string>& args) {
    pid_t pid = ::fork();
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, STDIN_FILENO);
        ::dup2(devnull, STDOUT_FILENO);
        ::dup2(devnull, STDERR_FILENO);
        exec_child(args, {});
    }
    return pid;
}

}  // namespace openbook::testing
