// The ModelErrorKind that travels beside a Status inside the hub module: internal functions take
// a `ModelErrorKind*` and set it where a failure is first understood, so the public API can
// report "offline" apart from "no such model" without parsing messages.
#pragma once

#include "openbook/hub.h"
#include "openbook/status.h"

namespace openbook::hub {

// Records `kind` (when `out` is given) and returns `status`, for `return fail(...)`.
inline Status fail(ModelErrorKind* out, ModelErrorKind kind, Status status) {
    if (out != nullptr) *out = kind;
    return status;
}

}  // namespace openbook::hub
