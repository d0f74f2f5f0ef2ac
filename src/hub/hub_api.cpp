#include "hub/hub_api.h"

#include <nlohmann/json.hpp>

#include "hub/hf_cache.h"
#include "hub/hub_error.h"
#include "hub/names.h"

namespace openbook::hub {

std::string resolve_url(const HubSettings& settings, const std::string& repo,
                        const std::string& revision, const std::string& file) {
    return settings.endpoint + "/" + repo + "/resolve/" + url_encode(revision) + "/" +
           url_encode(file, /*keep_slash=*/true);
}

std::vector<std::string> hub_headers(const HubSettings& settings, const std::string& url) {
    std::vector<std::string> headers;
    if (!settings.token.empty() && url_origin(url) == url_origin(settings.endpoint)) {
        headers.push_back("Authorization: Bearer " + settings.token);
    }
    return headers;
}

Status unreachable(const Status& transport, const HubSettings& settings, ModelErrorKind* kind) {
    return fail(kind, ModelErrorKind::kUnreachable,
                Status::io_error("cannot reach the Hugging Face Hub at " + settings.endpoint +
                                 " (" + transport.message() +
                                 "); check the network, HTTPS_PROXY, or HF_ENDPOINT"));
}

Status http_error(const HttpResponse& response, const std::string& url, const HubSettings& settings,
                  const std::string& repo, const std::string& revision, const std::string& file,
                  ModelErrorKind* kind) {
    const std::string code = response.header("X-Error-Code");
    const std::string server_message = response.header("X-Error-Message");
    const std::string page = settings.endpoint + "/" + repo;
    const long status = response.status;
    const std::string what = file.empty() ? repo : file + " in " + repo;

    if (code == "GatedRepo" || ((status == 401 || status == 403) && code.empty() &&
                                server_message.find("gated") != std::string::npos)) {
        if (settings.token.empty()) {
            return fail(kind, ModelErrorKind::kAccessDenied,
                        Status::io_error(
                            repo + " is a gated model: accept its terms at " + page +
                            " while logged in, then set HF_TOKEN to an access token of that "
                            "account (or run `huggingface-cli login`)"));
        }
        return fail(kind, ModelErrorKind::kAccessDenied,
                    Status::io_error(
                        repo + " is a gated model and the Hub refused the token from " +
                        settings.token_source + " (HTTP " + std::to_string(status) +
                        "): accept the model's terms at " + page +
                        " with the token's account, or use another token"));
    }
    if (code == "RevisionNotFound") {
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found("revision '" + revision + "' not found in " + repo +
                                      " on " + settings.endpoint));
    }
    if (code == "EntryNotFound" || (status == 404 && !file.empty() && code.empty())) {
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found("no file " + file + " in " + repo + " at revision " +
                                      revision + " (" + url + ")"));
    }
    if (code == "RepoNotFound" || status == 401 || status == 404) {
        // The Hub answers 401 for private and gated repositories as for missing ones.
        std::string hint = settings.token.empty()
                               ? "; if it is private or gated, set HF_TOKEN to an access token"
                               : "; if it is private, check that the token from " +
                                     settings.token_source + " can read it";
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found("repository " + repo + " not found on " + settings.endpoint +
                                      " (HTTP " + std::to_string(status) + ")" + hint));
    }
    if (status == 403) {
        return fail(kind, ModelErrorKind::kAccessDenied,
                    Status::io_error("the Hub refused access to " + what + " (HTTP 403" +
                                             (server_message.empty() ? "" : ": " + server_message) +
                                             "); check that your token may read it"));
    }
    if (status == 429 || status >= 500) {
        return fail(kind, ModelErrorKind::kUnreachable,
                    Status::io_error(url + ": HTTP " + std::to_string(status) +
                                     " (the Hub is busy or down; try again later)"));
    }
    return fail(kind, ModelErrorKind::kCorrupt,
                Status::corrupt(url + ": unexpected HTTP " + std::to_string(status) +
                                (server_message.empty() ? "" : ": " + server_message)));
}

Result<RepoInfo> fetch_repo_info(const HubSettings& settings, const std::string& repo,
                                 const std::string& revision, ModelErrorKind* kind) {
    HttpRequest request;
    request.url = settings.endpoint + "/api/models/" + repo + "/revision/" + url_encode(revision);
    request.headers = hub_headers(settings, request.url);
    request.follow_redirects = true;  // renamed repositories redirect
    auto response = http_request(request);
    if (!response.has_value()) {
        if (response.error().code() == StatusCode::kCorrupt) {  // an oversized answer
            return fail(kind, ModelErrorKind::kCorrupt, response.error());
        }
        return unreachable(response.error(), settings, kind);
    }
    if (response->status != 200) {
        return http_error(*response, request.url, settings, repo, revision, "", kind);
    }
    RepoInfo info;
    try {
        const auto j = nlohmann::json::parse(response->body);
        info.commit = j.value("sha", std::string());
        if (j.contains("siblings") && j["siblings"].is_array()) {
            for (const auto& s : j["siblings"]) {
                if (s.is_object() && s.contains("rfilename") && s["rfilename"].is_string()) {
                    std::string name = s["rfilename"].get<std::string>();
                    // A name that could escape the snapshot folder is never used.
                    if (check_repo_file_name(name).ok()) info.files.push_back(std::move(name));
                }
            }
        }
        if (j.contains("gated")) info.gated = !(j["gated"].is_boolean() && !j["gated"].get<bool>());
    } catch (const nlohmann::json::exception& e) {
        return fail(kind, ModelErrorKind::kCorrupt,
                    Status::corrupt(request.url + ": the answer is not valid JSON (" +
                                    std::string(e.what()) + ")"));
    }
    if (!is_commit_hash(info.commit)) {
        return fail(kind, ModelErrorKind::kCorrupt,
                    Status::corrupt(request.url + ": the answer has no commit hash (\"sha\")"));
    }
    return info;
}

}  // namespace openbook::hub
