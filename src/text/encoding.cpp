#include "text/encoding.h"

#include <iconv.h>
#include <uchardet/uchardet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "text/utf8.h"

namespace openbook::text {

namespace {

// Owns one iconv conversion descriptor; a fresh one per call keeps the functions thread-safe.
class IconvHandle {
public:
    IconvHandle(const std::string& to, const std::string& from)
        : cd_(iconv_open(to.c_str(), from.c_str())) {}
    ~IconvHandle() {
        if (ok()) iconv_close(cd_);
    }
    IconvHandle(const IconvHandle&) = delete;
    IconvHandle& operator=(const IconvHandle&) = delete;

    bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    iconv_t get() const { return cd_; }

private:
    iconv_t cd_;
};

std::string upper_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// How many input bytes one code unit takes, so that skipping a bad unit keeps the stream aligned
// (skipping a single byte of UTF-16 would shift every later character).
size_t code_unit_size(const std::string& upper_name) {
    if (upper_name.rfind("UTF-32", 0) == 0 || upper_name.rfind("UCS-4", 0) == 0) return 4;
    if (upper_name.rfind("UTF-16", 0) == 0 || upper_name.rfind("UCS-2", 0) == 0) return 2;
    return 1;
}

bool is_utf8_name(const std::string& upper_name) {
    return upper_name == "UTF-8" || upper_name == "UTF8";
}

// The result of pushing bytes through iconv: output, how many input units were replaced, and
// whether the descriptor could be opened at all.
struct IconvOutcome {
    bool opened = false;
    std::string out;
    size_t n_errors = 0;
};

// Converts in one pass. The output buffer grows geometrically, so huge inputs stay linear.
// Invalid or truncated input units become `replacement` (may be empty when only counting) and
// conversion resumes after them. With `stop_on_error`, the first error ends the conversion.
IconvOutcome run_iconv(std::string_view in, const std::string& to, const std::string& from,
                       size_t unit, std::string_view replacement, bool stop_on_error) {
    IconvOutcome result;
    IconvHandle handle(to, from);
    if (!handle.ok()) return result;
    result.opened = true;

    std::string& out = result.out;
    out.resize(in.size() + in.size() / 2 + 16);
    size_t used = 0;
    char* in_ptr = const_cast<char*>(in.data());  // iconv's signature is not const-correct
    size_t in_left = in.size();

    auto grow = [&](size_t at_least) {
        size_t want = std::max(out.size() * 2, used + at_least + 16);
        out.resize(want);
    };
    auto append = [&](std::string_view s) {
        if (out.size() - used < s.size()) grow(s.size());
        std::memcpy(out.data() + used, s.data(), s.size());
        used += s.size();
    };

    while (in_left > 0) {
        char* out_ptr = out.data() + used;
        size_t out_left = out.size() - used;
        size_t rc = iconv(handle.get(), &in_ptr, &in_left, &out_ptr, &out_left);
        used = static_cast<size_t>(out_ptr - out.data());
        if (rc != static_cast<size_t>(-1)) break;
        if (errno == E2BIG) {
            grow(16);
            continue;
        }
        // EILSEQ (invalid unit) or EINVAL (truncated at the end): replace one unit and go on.
        ++result.n_errors;
        if (stop_on_error) break;
        append(replacement);
        size_t skip = std::min(unit, in_left);
        in_ptr += skip;
        in_left -= skip;
        iconv(handle.get(), nullptr, nullptr, nullptr, nullptr);  // reset any shift state
    }
    // Flush stateful encodings (a no-op for the stateless ones we normally see).
    for (;;) {
        char* out_ptr = out.data() + used;
        size_t out_left = out.size() - used;
        size_t rc = iconv(handle.get(), nullptr, nullptr, &out_ptr, &out_left);
        used = static_cast<size_t>(out_ptr - out.data());
        if (rc == static_cast<size_t>(-1) && errno == E2BIG) {
            grow(16);
            continue;
        }
        break;
    }
    out.resize(used);
    return result;
}

constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

void strip_leading_bom(std::string& utf8) {
    if (utf8.size() >= 3 && utf8.compare(0, 3, "\xEF\xBB\xBF") == 0) utf8.erase(0, 3);
}

// What valid UTF-8 structure bytes contain: legacy CJK text almost never forms valid multi-byte
// UTF-8 sequences, while UTF-8 with a few damaged bytes is mostly valid sequences.
struct Utf8Census {
    size_t n_multibyte = 0;  // valid sequences of 2..4 bytes
    size_t n_invalid = 0;    // bytes that would be repaired
};

Utf8Census utf8_census(std::string_view bytes) {
    Utf8Census census;
    size_t pos = 0;
    while (pos < bytes.size()) {
        if (static_cast<unsigned char>(bytes[pos]) < 0x80) {
            ++pos;
            continue;
        }
        size_t before = pos;
        decode_utf8(bytes, pos);
        if (pos - before == 1) {
            ++census.n_invalid;
        } else {
            ++census.n_multibyte;
        }
    }
    return census;
}

// uchardet's verdict mapped onto the two legacy encodings we support.
enum class Guess { kNone, kBig5, kGb18030 };

Guess uchardet_guess(std::string_view bytes) {
    uchardet_t detector = uchardet_new();
    if (detector == nullptr) return Guess::kNone;
    // The statistical model settles long before a few MiB; feeding more only costs time.
    constexpr size_t kMaxSample = 4u << 20;
    std::string_view sample = bytes.substr(0, std::min(bytes.size(), kMaxSample));
    Guess guess = Guess::kNone;
    if (uchardet_handle_data(detector, sample.data(), sample.size()) == 0) {
        uchardet_data_end(detector);
        const char* name = uchardet_get_charset(detector);
        std::string upper = upper_ascii(name != nullptr ? name : "");
        if (upper.find("BIG5") != std::string::npos || upper == "EUC-TW" || upper == "CP950") {
            guess = Guess::kBig5;
        } else if (upper == "GB18030" || upper == "GB2312" || upper == "GBK" ||
                   upper == "HZ-GB-2312" || upper == "CP936" || upper == "EUC-CN") {
            guess = Guess::kGb18030;
        }
    }
    uchardet_delete(detector);
    return guess;
}

// A crude frequency model that works where uchardet's is blind (short texts) or wrong (it calls
// some Big5 text GB18030). Both encodings keep their common characters in a known block:
// Big5 has its symbols at A140..A3BF and the 5,401 frequent hanzi ("level 1") at A440..C67E;
// GB2312 has symbols at A1A1..A3FE and the 3,755 frequent hanzi at B0A1..D7FE. Real text puts
// nearly all its double-byte characters in its own encoding's common block, while the other
// encoding's text lands there far less often (Big5 trail bytes 0x40..0x7E are never in GB's
// blocks; GB's lead bytes C7..D7 fall outside Big5 level 1). The score is the difference of the
// two shares, positive for Big5. Measured on DRCD (Big5) and CMRC 2018 (GB18030) paragraphs it
// separates full paragraphs by a margin of at least 0.22.
struct BlockScore {
    size_t n_pairs = 0;
    double big5_minus_gb = 0.0;
};

BlockScore block_score(std::string_view bytes) {
    size_t n_pairs = 0;
    size_t n_big5_common = 0;
    size_t n_gb_common = 0;
    for (size_t i = 0; i + 1 < bytes.size();) {
        const unsigned lead = static_cast<unsigned char>(bytes[i]);
        if (lead < 0x81 || lead == 0xFF) {
            ++i;
            continue;
        }
        const unsigned trail = static_cast<unsigned char>(bytes[i + 1]);
        const unsigned code = (lead << 8) | trail;
        ++n_pairs;
        n_big5_common += (code >= 0xA140 && code <= 0xA3BF) || (code >= 0xA440 && code <= 0xC67E);
        n_gb_common += trail >= 0xA1 && trail <= 0xFE &&
                       ((lead >= 0xA1 && lead <= 0xA3) || (lead >= 0xB0 && lead <= 0xD7));
        i += 2;
    }
    BlockScore score;
    score.n_pairs = n_pairs;
    if (n_pairs > 0) {
        const double diff =
            static_cast<double>(n_big5_common) - static_cast<double>(n_gb_common);
        score.big5_minus_gb = diff / static_cast<double>(n_pairs);
    }
    return score;
}

// iconv names. glibc's BIG5 table already includes the CP950/ETEN extensions (it decodes the
// same 13,911 pairs as its CP950), and it encoded 911 of 1,000 DRCD paragraphs, the rest failing
// only on characters Big5 lacks (•, 爲, 勐); BIG5-HKSCS would accept more GB byte pairs and remaps
// some symbols, so plain BIG5 it is. GB18030 is a superset of GBK and GB2312.
constexpr const char* kBig5Iconv = "BIG5";
constexpr const char* kGb18030Iconv = "GB18030";

}  // namespace

Result<DecodedText> convert_to_utf8(std::string_view bytes, std::string_view encoding) {
    const std::string upper = upper_ascii(encoding);
    DecodedText decoded;
    decoded.encoding = std::string(encoding);
    if (is_utf8_name(upper)) {
        // Our own repair (one U+FFFD per bad byte) matches what the rest of the code expects.
        decoded.utf8 = repair_utf8(bytes, &decoded.n_repaired);
        strip_leading_bom(decoded.utf8);
        return decoded;
    }
    IconvOutcome outcome = run_iconv(bytes, "UTF-8", std::string(encoding),
                                     code_unit_size(upper), kReplacementUtf8, false);
    if (!outcome.opened) {
        return Status::unsupported("cannot convert from encoding '" + std::string(encoding) +
                                   "' to UTF-8: " + std::strerror(errno));
    }
    decoded.utf8 = std::move(outcome.out);
    decoded.n_repaired = outcome.n_errors;
    strip_leading_bom(decoded.utf8);
    return decoded;
}

Result<std::string> convert_from_utf8(std::string_view utf8, std::string_view encoding) {
    const std::string upper = upper_ascii(encoding);
    if (!is_valid_utf8(utf8)) {
        return Status::invalid_argument("cannot convert to " + std::string(encoding) +
                                        ": input is not valid UTF-8");
    }
    if (is_utf8_name(upper)) return std::string(utf8);
    IconvOutcome outcome = run_iconv(utf8, std::string(encoding), "UTF-8", 1, "", true);
    if (!outcome.opened) {
        return Status::unsupported("cannot convert from UTF-8 to encoding '" +
                                   std::string(encoding) + "': " + std::strerror(errno));
    }
    if (outcome.n_errors > 0) {
        // The input is valid UTF-8, so the only error left is a character the target lacks.
        return Status::invalid_argument("text has a character that " + std::string(encoding) +
                                        " cannot represent");
    }
    return std::move(outcome.out);
}

Result<DecodedText> decode_to_utf8(std::string_view bytes) {
    auto starts_with = [&](std::string_view prefix) {
        return bytes.size() >= prefix.size() && bytes.substr(0, prefix.size()) == prefix;
    };
    if (starts_with("\xEF\xBB\xBF")) {
        DecodedText decoded;
        decoded.utf8 = repair_utf8(bytes.substr(3), &decoded.n_repaired);
        decoded.encoding = "UTF-8 (BOM)";
        return decoded;
    }
    for (const char* name : {"UTF-16LE", "UTF-16BE"}) {
        const bool le = name[6] == 'L';
        if (starts_with(le ? std::string_view("\xFF\xFE") : std::string_view("\xFE\xFF"))) {
            auto converted = convert_to_utf8(bytes.substr(2), name);
            if (!converted.has_value()) {
                return converted.error().with_context("decoding a " + std::string(name) +
                                                      " stream");
            }
            converted->encoding = name;
            return converted;
        }
    }

    const Utf8Census census = utf8_census(bytes);
    if (census.n_invalid == 0) {
        DecodedText decoded;
        decoded.utf8 = std::string(bytes);
        decoded.encoding = "UTF-8";
        return decoded;
    }

    auto as_repaired_utf8 = [&]() {
        DecodedText decoded;
        decoded.utf8 = repair_utf8(bytes, &decoded.n_repaired);
        decoded.encoding = "UTF-8";
        return decoded;
    };
    // Mostly well-formed UTF-8 with a few damaged bytes (a truncated download, one stray Latin-1
    // byte) is UTF-8: legacy CJK text forms valid sequences only by accident, far more rarely.
    // The factor 4 keeps short Big5/GB snippets with one accidental sequence out of this branch.
    if (census.n_multibyte >= 4 * census.n_invalid) return as_repaired_utf8();

    auto big5 = convert_to_utf8(bytes, kBig5Iconv);
    auto gb = convert_to_utf8(bytes, kGb18030Iconv);
    if (!big5.has_value() && !gb.has_value()) return as_repaired_utf8();

    size_t n_high = 0;
    for (char c : bytes) n_high += static_cast<unsigned char>(c) >= 0x80;
    // A candidate fits when it decodes (nearly) everything: at most one bad byte in 64 high ones.
    auto fits = [&](const Result<DecodedText>& r) {
        return r.has_value() && r->n_repaired * 64 <= n_high;
    };
    auto pick = [](Result<DecodedText>& r, const char* name) {
        r->encoding = name;
        return std::move(r);
    };

    const bool big5_fits = fits(big5);
    const bool gb_fits = fits(gb);
    if (!big5_fits && !gb_fits) return as_repaired_utf8();
    if (big5_fits != gb_fits) return big5_fits ? pick(big5, "Big5") : pick(gb, "GB18030");

    // Both fit. A clear block score decides; it is right on short texts where uchardet is silent.
    const BlockScore score = block_score(bytes);
    if (score.big5_minus_gb >= 0.2) return pick(big5, "Big5");
    if (score.big5_minus_gb <= -0.2) return pick(gb, "GB18030");
    // A close call: ask the statistical model, when it names one of the two.
    switch (uchardet_guess(bytes)) {
        case Guess::kBig5:
            return pick(big5, "Big5");
        case Guess::kGb18030:
            return pick(gb, "GB18030");
        case Guess::kNone:
            break;
    }
    if (score.big5_minus_gb != 0.0) {
        return score.big5_minus_gb > 0.0 ? pick(big5, "Big5") : pick(gb, "GB18030");
    }
    if (big5->n_repaired != gb->n_repaired) {
        return big5->n_repaired < gb->n_repaired ? pick(big5, "Big5") : pick(gb, "GB18030");
    }
    // No evidence either way: GB18030 is the more common of the two and decodes more bytes.
    return pick(gb, "GB18030");
}

bool looks_binary(std::string_view bytes) {
    // A UTF-16 stream with a BOM is full of NULs yet is text.
    if (bytes.size() >= 2 && ((bytes[0] == '\xFF' && bytes[1] == '\xFE') ||
                              (bytes[0] == '\xFE' && bytes[1] == '\xFF'))) {
        return false;
    }
    const std::string_view head = bytes.substr(0, std::min<size_t>(bytes.size(), 8192));
    if (head.empty()) return false;
    size_t n_control = 0;
    for (char ch : head) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == 0) return true;
        // Tab, newline, CR, form feed and escape (ANSI colours) turn up in real text files.
        const bool allowed = c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x1B;
        if ((c < 0x20 && !allowed) || c == 0x7F) ++n_control;
    }
    // More than one control byte in ten is not text.
    return n_control * 10 > head.size();
}

}  // namespace openbook::text
