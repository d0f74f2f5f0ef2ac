// A small blocking HTTP client over libcurl, for the Hub: one request per call, headers in,
// status and headers out, the body either collected (API answers, error pages) or streamed to a
// sink (model files). libcurl brings TLS, HTTP/2, proxies (HTTPS_PROXY, NO_PROXY, ALL_PROXY)
// and redirects; nothing here is Hub-specific.
//
// Errors: only transport failures (DNS, connect, TLS, a dropped connection, a stall) are errors,
// as kIoError naming the URL; any HTTP status is a response. A 2xx body collected without a sink
// larger than HttpRequest::max_body is kCorrupt (an API answer that big is not one). Thread-safety: each call is
// independent (curl_global_init runs once).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openbook/status.h"

namespace openbook::hub {

struct HttpResponse {
    long status = 0;
    // The last response's headers (after redirects), names as sent.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;           // non-2xx bodies always; 2xx bodies when no sink was given
    std::string effective_url;  // after redirects
    uint64_t sink_bytes = 0;    // bytes handed to the sink

    // The first header of that name (case-insensitive), or "".
    std::string header(std::string_view name) const;
};

struct HttpRequest {
    std::string method = "GET";  // "GET" or "HEAD"
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    bool follow_redirects = false;
    // Receives 2xx bodies chunk by chunk instead of HttpResponse::body; returning false aborts
    // the transfer (the call then fails with the sink's reason, see sink_error).
    std::function<bool(long status, std::string_view chunk)> sink;
    // Set by the sink before it returns false; becomes the error message.
    std::string* sink_error = nullptr;
    // Called once before the first body byte of a 2xx answer, with its status and headers
    // (body still empty); returning false aborts the transfer like the sink can.
    std::function<bool(const HttpResponse& response)> on_response;
    // The most a 2xx body collected into HttpResponse::body may hold (no sink).
    size_t max_body = 16 * 1024 * 1024;
};


Result<HttpResponse> http_request(const HttpRequest& request);

// Percent-encodes everything but unreserved characters; with keep_slash, '/' too stays.
std::string url_encode(std::string_view s, bool keep_slash = false);

// "http://host:port" of a URL (scheme, host and port, lowercased), "" when not absolute.
std::string url_origin(std::string_view url);

}  // namespace openbook::hub
