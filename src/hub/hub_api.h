// The Hub's HTTP protocol as huggingface_hub speaks it: the model-info API
// (GET {endpoint}/api/models/{repo}/revision/{revision} → {"sha": commit, "siblings":
// [{"rfilename": name}, ...], "gated": false|"auto"|"manual", ...}), resolve URLs
// ({endpoint}/{repo}/resolve/{revision}/{file}), the Authorization header, and the meaning of
// error answers (X-Error-Code: GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound).
#pragma once

#include <string>
#include <vector>

#include "hub/http_client.h"
#include "openbook/hub.h"
#include "openbook/status.h"

namespace openbook::hub {

struct RepoInfo {
    std::string commit;              // "sha"
    std::vector<std::string> files;  // siblings' "rfilename"
    bool gated = false;
};

Result<RepoInfo> fetch_repo_info(const HubSettings& settings, const std::string& repo,
                                 const std::string& revision, ModelErrorKind* kind);

std::string resolve_url(const HubSettings& settings, const std::string& repo,
                        const std::string& revision, const std::string& file);

// Request headers for `url`: the token only goes to the endpoint's own origin (never to a CDN
// a redirect names).
std::vector<std::string> hub_headers(const HubSettings& settings, const std::string& url);

// A clear error for a non-2xx answer: gated/private → kAccessDenied with what to do; missing
// repository, revision or file → kNotFound; 5xx/429 → kUnreachable. `file` may be empty.
// Status codes: kNotFound for what is missing, kIoError for a refusal (401/403) or a Hub that
// is down, kCorrupt for anything else; never kInvalidArgument (the CLI's usage-error exit 2),
// since the reference itself was well formed.
Status http_error(const HttpResponse& response, const std::string& url, const HubSettings& settings,
                  const std::string& repo, const std::string& revision, const std::string& file,
                  ModelErrorKind* kind);

// A transport failure (no answer at all) as kUnreachable, naming the endpoint.
Status unreachable(const Status& transport, const HubSettings& settings, ModelErrorKind* kind);

}  // namespace openbook::hub
