#include "hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace openbook::hub {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;  // enough for any error page worth quoting

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

struct Transfer {
    const HttpRequest* request = nullptr;
    HttpResponse* response = nullptr;
    CURL* curl = nullptr;
    bool sink_failed = false;
    bool announced = false;  // on_response was called
    bool too_large = false;  // a collected body passed max_body
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
        t->response->headers.clear();  // a new response of a redirect chain starts
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
        t->response->headers.emplace_back(trim(line.substr(0, colon)),
                                          trim(line.substr(colon + 1)));
    }
    return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300 && !t->announced) {
        t->announced = true;
        if (t->request->on_response) {
            t->response->status = status;
            if (!t->request->on_response(*t->response)) {
                t->sink_failed = true;
                return 0;
            }
        }
    }
    if (status >= 200 && status < 300 && t->request->sink) {
        if (!t->request->sink(status, std::string_view(data, len))) {
            t->sink_failed = true;
            return 0;  // makes curl abort with CURLE_WRITE_ERROR
        }
        t->response->sink_bytes += len;
        return len;
    }
    auto& body = t->response->body;
    if (status >= 200 && status < 300) {
        if (body.size() + len > t->request->max_body) {
            t->too_large = true;
            return 0;  // makes curl abort with CURLE_WRITE_ERROR
        }
        body.append(data, len);
    } else if (body.size() < kMaxErrorBody) {
        body.append(data, std::min(len, kMaxErrorBody - body.size()));
    }
    return len;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return v;
    }
    return {};
}

Result<HttpResponse> http_request(const HttpRequest& request) {
    global_init();
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return Status::internal("curl_easy_init failed");

    HttpResponse response;
    Transfer transfer{&request, &response, curl};
    char error_buffer[CURL_ERROR_SIZE] = "";
    curl_slist* headers = nullptr;
    for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "openbook/0.1.0 (huggingface_hub-compatible)");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    // Hub and CDN URLs are https; a mirror in HF_ENDPOINT may be plain http. Nothing else.
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
    // A stalled transfer (under 1 byte/s for 60 s) fails instead of hanging forever.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);

    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    char* effective = nullptr;
    curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective != nullptr) response.effective_url = effective;
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    if (transfer.sink_failed) {
        std::string why = request.sink_error != nullptr && !request.sink_error->empty()
                              ? *request.sink_error
                              : "the download was stopped";
        return Status::io_error(why);
    }
    if (transfer.too_large) {
        const size_t mb = request.max_body / (1024 * 1024);
        const std::string limit = mb > 0 ? std::to_string(mb) + " MB"
                                         : std::to_string(request.max_body) + " bytes";
        return Status::corrupt(request.url + ": the answer is larger than " + limit +
                               ", too large for an API answer (is HF_ENDPOINT a Hugging Face "
                               "Hub?)");
    }
    if (rc != CURLE_OK) {
        std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
        return Status::io_error(request.url + ": " + detail);
    }
    return response;
}

std::string url_encode(std::string_view s, bool keep_slash) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
            (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string url_origin(std::string_view url) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    auto host_end = url.find_first_of("/?#", scheme_end + 3);
    std::string origin(url.substr(0, host_end));
    std::transform(origin.begin(), origin.end(), origin.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // An explicit default port names the same origin as none.
    auto strip = [&](std::string_view scheme, std::string_view port) {
        if (origin.rfind(scheme, 0) == 0 && origin.size() > port.size() &&
            origin.compare(origin.size() - port.size(), port.size(), port) == 0) {
            origin.resize(origin.size() - port.size());
        }
    };
    strip("https://", ":443");
    strip("http://", ":80");
    return origin;
}

}  // namespace openbook::hub
