// A one-line progress display on stderr for long work (ingest): redrawn in place at most ten
// times a second, erased when done. Does nothing when stderr is not a terminal or when disabled,
// so logs and pipes stay clean.
#pragma once

#include <chrono>
#include <string>

#include "openbook/types.h"

namespace openbook::cli {

class IngestProgressBar {
public:
    explicit IngestProgressBar(bool enabled);
    ~IngestProgressBar();
    void update(const IngestProgress& p);
    void finish();  // erases the line

private:
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace openbook::cli
