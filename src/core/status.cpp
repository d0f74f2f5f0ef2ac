#include "openbook/status.h"

namespace openbook {

const char* status_code_name(StatusCode code) {
    switch (code) {
        case StatusCode::kOk: return "ok";
        case StatusCode::kInvalidArgument: return "invalid argument";
        case StatusCode::kNotFound: return "not found";
        case StatusCode::kAlreadyExists: return "already exists";
        case StatusCode::kIoError: return "I/O error";
        case StatusCode::kCorrupt: return "corrupt";
        case StatusCode::kUnsupported: return "unsupported";
        case StatusCode::kBusy: return "busy";
        case StatusCode::kCancelled: return "cancelled";
        case StatusCode::kInternal: return "internal error";
    }
    return "unknown";
}

std::string Status::to_string() const {
    if (ok()) return "ok";
    return std::string(status_code_name(code_)) + ": " + message_;
}

}  // namespace openbook
