#include "model/gguf/gguf_writer.h"

#include <bit>
#include <cstring>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "core/fs.h"

namespace openbook::gguf {

static_assert(std::endian::native == std::endian::little);

namespace {

constexpr std::string_view kAlignmentKey = "general.alignment";

Status invalid(std::string_view what, std::string_view detail) {
    return Status::invalid_argument(fmt::format("GGUF writer: {}: {}", what, detail));
}

// Does `v` fit the integer, bool or float type it claims to be?
bool fits(const MetaValue& v) {
    auto in_unsigned = [&](uint64_t max) { return v.u <= max; };
    auto in_signed = [&](int64_t min, int64_t max) { return v.i >= min && v.i <= max; };
    switch (v.type) {
        case ValueType::kUint8: return in_unsigned(UINT8_MAX);
        case ValueType::kUint16: return in_unsigned(UINT16_MAX);
        case ValueType::kUint32: return in_unsigned(UINT32_MAX);
        case ValueType::kBool: return in_unsigned(1);
        case ValueType::kInt8: return in_signed(INT8_MIN, INT8_MAX);
        case ValueType::kInt16: return in_signed(INT16_MIN, INT16_MAX);
        case ValueType::kInt32: return in_signed(INT32_MIN, INT32_MAX);
        default: return true;
    }
}

// `depth` counts the arrays v sits in, v included when it is one.
Status check_value(const MetaValue& v, uint32_t depth, std::string_view what) {
    if (static_cast<uint32_t>(v.type) > static_cast<uint32_t>(ValueType::kFloat64)) {
        return invalid(what, fmt::format("unknown value type {}", static_cast<uint32_t>(v.type)));
    }
    if (!fits(v)) {
        return invalid(what, fmt::format("value does not fit a {}", value_type_name(v.type)));
    }
    if (v.type != ValueType::kArray) return {};
    if (depth > kMaxArrayDepth) {
        return invalid(what, fmt::format("arrays nested deeper than {}", kMaxArrayDepth));
    }
    for (const MetaValue& e : v.elements) {
        if (e.type != v.element_type) {
            return invalid(what,
                           fmt::format("a {} element in an array of {}", value_type_name(e.type),
                                       value_type_name(v.element_type)));
        }
        OPENBOOK_RETURN_IF_ERROR(check_value(e, depth + (e.type == ValueType::kArray), what));
    }
    return {};
}

template <class T>
void put(std::string& out, T v) {
    char bytes[sizeof v];
    std::memcpy(bytes, &v, sizeof v);
    out.append(bytes, sizeof v);
}

void put_string(std::string& out, std::string_view s) {
    put<uint64_t>(out, s.size());
    out.append(s);
}

void put_payload(std::string& out, const MetaValue& v) {
    switch (v.type) {
        case ValueType::kUint8:
        case ValueType::kBool: put(out, static_cast<uint8_t>(v.u)); break;
        case ValueType::kInt8: put(out, static_cast<int8_t>(v.i)); break;
        case ValueType::kUint16: put(out, static_cast<uint16_t>(v.u)); break;
        case ValueType::kInt16: put(out, static_cast<int16_t>(v.i)); break;
        case ValueType::kUint32: put(out, static_cast<uint32_t>(v.u)); break;
        case ValueType::kInt32: put(out, static_cast<int32_t>(v.i)); break;
        case ValueType::kFloat32: put(out, static_cast<float>(v.f)); break;
        case ValueType::kUint64: put(out, v.u); break;
        case ValueType::kInt64: put(out, v.i); break;
        case ValueType::kFloat64: put(out, v.f); break;
        case ValueType::kString: put_string(out, v.str); break;
        case ValueType::kArray:
            put(out, static_cast<uint32_t>(v.element_type));
            put<uint64_t>(out, v.elements.size());
            for (const MetaValue& e : v.elements) put_payload(out, e);
            break;
    }
}

uint64_t align_up(uint64_t n, uint64_t alignment) {
    return (n + alignment - 1) / alignment * alignment;
}

}  // namespace

MetaValue MetaValue::unsigned_of(ValueType type, uint64_t v) {
    MetaValue m;
    m.type = type;
    m.u = v;
    return m;
}

MetaValue MetaValue::signed_of(ValueType type, int64_t v) {
    MetaValue m;
    m.type = type;
    m.i = v;
    return m;
}

MetaValue MetaValue::float_of(ValueType type, double v) {
    MetaValue m;
    m.type = type;
    m.f = v;
    return m;
}

MetaValue MetaValue::string(std::string v) {
    MetaValue m;
    m.type = ValueType::kString;
    m.str = std::move(v);
    return m;
}

MetaValue MetaValue::array(ValueType element_type, std::vector<MetaValue> elements) {
    MetaValue m;
    m.type = ValueType::kArray;
    m.element_type = element_type;
    m.elements = std::move(elements);
    return m;
}

MetaValue MetaValue::strings(const std::vector<std::string>& values) {
    std::vector<MetaValue> elements;
    elements.reserve(values.size());
    for (const auto& s : values) elements.push_back(string(s));
    return array(ValueType::kString, std::move(elements));
}

Status Writer::set_version(uint32_t version) {
    if (version != 2 && version != 3) {
        return invalid("version", fmt::format("{} is not 2 or 3", version));
    }
    version_ = version;
    return {};
}

Status Writer::set_alignment(uint32_t alignment) {
    if (!std::has_single_bit(alignment)) {
        return invalid("alignment", fmt::format("{} is not a power of two", alignment));
    }
    alignment_ = alignment;
    for (auto& [key, value] : metadata_) {
        if (key == kAlignmentKey) {
            value = MetaValue::uint32(alignment);
            return {};
        }
    }
    metadata_.emplace_back(std::string(kAlignmentKey), MetaValue::uint32(alignment));
    return {};
}

Status Writer::add(std::string key, MetaValue value) {
    if (key.empty()) return invalid("key", "empty key");
    std::string what = fmt::format("key '{}'", key);
    if (key == kAlignmentKey) return invalid(what, "set it with set_alignment()");
    for (const auto& kv : metadata_) {
        if (kv.first == key) return invalid(what, "duplicate key");
    }
    OPENBOOK_RETURN_IF_ERROR(check_value(value, value.type == ValueType::kArray, what));
    metadata_.emplace_back(std::move(key), std::move(value));
    return {};
}

Status Writer::add_tensor(std::string name, std::vector<uint64_t> dims, GgmlType type,
                          std::string_view bytes) {
    if (name.empty()) return invalid("tensor", "empty name");
    std::string what = fmt::format("tensor '{}'", name);
    for (const Tensor& t : tensors_) {
        if (t.name == name) return invalid(what, "duplicate tensor name");
    }
    if (dims.size() > kMaxDims) {
        return invalid(what, fmt::format("{} dimensions, at most {}", dims.size(), kMaxDims));
    }
    auto traits = ggml_type_traits(static_cast<uint32_t>(type));
    if (!traits) {
        return invalid(what, fmt::format("unknown ggml type {}", static_cast<uint32_t>(type)));
    }
    uint64_t n_elements = 1;
    for (uint64_t d : dims) {
        if (__builtin_mul_overflow(n_elements, d, &n_elements) ||
            n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            return invalid(what, "the element count overflows");
        }
    }
    uint64_t row = dims.empty() ? 1 : dims[0];
    if (row % traits->block_elements != 0) {
        return invalid(what, fmt::format("row length {} is not a multiple of the {} block size {}",
                                         row, traits->name, traits->block_elements));
    }
    uint64_t n_bytes = 0;
    if (__builtin_mul_overflow(n_elements / traits->block_elements, traits->block_bytes,
                               &n_bytes)) {
        return invalid(what, "the byte size overflows");
    }
    if (bytes.size() != n_bytes) {
        return invalid(what, fmt::format("{} bytes given, {} {} elements take {}", bytes.size(),
                                         n_elements, traits->name, n_bytes));
    }
    tensors_.push_back({std::move(name), std::move(dims), type, std::string(bytes)});
    return {};
}

std::string Writer::serialize() const {
    std::string out;
    out.append("GGUF", 4);
    put(out, version_);
    put<uint64_t>(out, tensors_.size());
    put<uint64_t>(out, metadata_.size());
    for (const auto& [key, value] : metadata_) {
        put_string(out, key);
        put(out, static_cast<uint32_t>(value.type));
        put_payload(out, value);
    }
    uint64_t offset = 0;
    for (const Tensor& t : tensors_) {
        put_string(out, t.name);
        put(out, static_cast<uint32_t>(t.dims.size()));
        for (uint64_t d : t.dims) put(out, d);
        put(out, static_cast<uint32_t>(t.type));
        put(out, offset);
        offset = align_up(offset + t.bytes.size(), alignment_);
    }
    out.resize(align_up(out.size(), alignment_), '\0');
    for (const Tensor& t : tensors_) {
        out.append(t.bytes);
        out.resize(align_up(out.size(), alignment_), '\0');
    }
    return out;
}

Status Writer::write(const std::filesystem::path& path) const {
    return core::write_file_atomic(path, serialize());
}

}  // namespace openbook::gguf
