#include "cli/progress_bar.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include "cli/cli_common.h"

namespace openbook::cli {

namespace {

int terminal_width() {
    struct winsize ws {};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
    return 80;
}

// Keeps the tail of a path (the informative end) within `width` bytes, on a UTF-8 boundary.
std::string tail_fit(const std::string& s, size_t width) {
    if (s.size() <= width) return s;
    size_t start = s.size() - width + 3;
    while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;
    std::string out = "...";
    out.append(s, start, std::string::npos);
    return out;
}

}  // namespace

IngestProgressBar::IngestProgressBar(bool enabled) : enabled_(enabled) {}

IngestProgressBar::~IngestProgressBar() { finish(); }

void IngestProgressBar::update(const IngestProgress& p) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    const bool last = p.files_done == p.files_total;
    if (drawn_ && !last && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;

    const double fraction =
        p.bytes_total > 0 ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total)
                          : (p.files_total > 0 ? static_cast<double>(p.files_done) /
                                                     static_cast<double>(p.files_total)
                                               : 1.0);
    constexpr int kBarWidth = 20;
    int filled = static_cast<int>(fraction * kBarWidth);
    std::string bar(static_cast<size_t>(filled), '=');
    if (filled < kBarWidth) bar += '>';
    bar.resize(kBarWidth, ' ');

    const double rate = p.seconds > 0 ? static_cast<double>(p.bytes_done) / p.seconds : 0;
    char eta[32] = "";
    if (rate > 0 && p.bytes_done < p.bytes_total) {
        std::snprintf(eta, sizeof eta, "  eta %.0fs",
                      static_cast<double>(p.bytes_total - p.bytes_done) / rate);
    }
    char line[256];
    std::snprintf(line, sizeof line, "[%s] %zu/%zu files  %s/%s  %zu chunks  %s/s%s  ",
                  bar.c_str(), p.files_done, p.files_total, human_bytes(p.bytes_done).c_str(),
                  human_bytes(p.bytes_total).c_str(), p.chunks,
                  human_bytes(static_cast<uint64_t>(rate)).c_str(), eta);
    std::string text = line;
    const size_t width = static_cast<size_t>(terminal_width()) - 1;
    if (text.size() < width) text += tail_fit(p.current, width - text.size());
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void IngestProgressBar::finish() {
    if (enabled_ && drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    }
    drawn_ = false;
}

}  // namespace openbook::cli
