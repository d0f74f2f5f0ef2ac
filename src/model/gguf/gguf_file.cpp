#include "model/gguf/gguf_file.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "core/mapped_file.h"

namespace openbook::gguf {

// Values are decoded by copying their bytes; GGUF is little-endian and so is every host we build
// for. A big-endian port would need byte swaps here.
static_assert(std::endian::native == std::endian::little);

namespace {

constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr std::string_view kAlignmentKey = "general.alignment";

// The fewest bytes a key/value pair and a tensor info can occupy. Counts are checked against
// them before anything is reserved, so a lying count cannot cause a big allocation.
constexpr uint64_t kMinKeyValueBytes = 8 + 1 + 4 + 1;  // key length, 1-byte key, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // name length, n_dims, type, offset

bool is_known_value_type(uint32_t raw) { return raw <= static_cast<uint32_t>(ValueType::kFloat64); }

// Bytes of one element of a fixed-size type; 0 for strings and arrays.
uint64_t fixed_size(ValueType type) {
    switch (type) {
        case ValueType::kUint8:
        case ValueType::kInt8:
        case ValueType::kBool: return 1;
        case ValueType::kUint16:
        case ValueType::kInt16: return 2;
        case ValueType::kUint32:
        case ValueType::kInt32:
        case ValueType::kFloat32: return 4;
        case ValueType::kUint64:
        case ValueType::kInt64:
        case ValueType::kFloat64: return 8;
        case ValueType::kString:
        case ValueType::kArray: return 0;
    }
    return 0;
}

// The smallest encoding of one value of a type: a string is at least its length, an array at
// least its element type and count.
uint64_t min_encoded_size(ValueType type) {
    if (type == ValueType::kString) return 8;
    if (type == ValueType::kArray) return 4 + 8;
    return fixed_size(type);
}

template <class T>
T load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Decodes a fixed-size value at p into the field of `out` that its type uses.
void decode_fixed(ValueType type, const unsigned char* p, Value* out) {
    out->type = type;
    switch (type) {
        case ValueType::kUint8: out->u = load<uint8_t>(p); break;
        case ValueType::kInt8: out->i = load<int8_t>(p); break;
        case ValueType::kUint16: out->u = load<uint16_t>(p); break;
        case ValueType::kInt16: out->i = load<int16_t>(p); break;
        case ValueType::kUint32: out->u = load<uint32_t>(p); break;
        case ValueType::kInt32: out->i = load<int32_t>(p); break;
        case ValueType::kFloat32: out->f = load<float>(p); break;
        case ValueType::kBool: out->u = load<uint8_t>(p) != 0 ? 1 : 0; break;
        case ValueType::kUint64: out->u = load<uint64_t>(p); break;
        case ValueType::kInt64: out->i = load<int64_t>(p); break;
        case ValueType::kFloat64: out->f = load<double>(p); break;
        case ValueType::kString:
        case ValueType::kArray: break;
    }
}

bool is_signed(ValueType type) {
    return type == ValueType::kInt8 || type == ValueType::kInt16 || type == ValueType::kInt32 ||
           type == ValueType::kInt64;
}

bool is_unsigned(ValueType type) {
    return type == ValueType::kUint8 || type == ValueType::kUint16 || type == ValueType::kUint32 ||
           type == ValueType::kUint64;
}

// A key or tensor name as it appears in a message: short, and without control bytes that would
// garble a terminal.
std::string printable(std::string_view s) {
    constexpr size_t kMax = 80;
    std::string out(s.substr(0, kMax));
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    if (s.size() > kMax) out += "...";
    return out;
}

}  // namespace

std::string_view value_type_name(ValueType type) {
    switch (type) {
        case ValueType::kUint8: return "uint8";
        case ValueType::kInt8: return "int8";
        case ValueType::kUint16: return "uint16";
        case ValueType::kInt16: return "int16";
        case ValueType::kUint32: return "uint32";
        case ValueType::kInt32: return "int32";
        case ValueType::kFloat32: return "float32";
        case ValueType::kBool: return "bool";
        case ValueType::kString: return "string";
        case ValueType::kArray: return "array";
        case ValueType::kUint64: return "uint64";
        case ValueType::kInt64: return "int64";
        case ValueType::kFloat64: return "float64";
    }
    return "unknown";
}

// ---- Value and Array ----

bool Value::is_integer() const { return is_signed(type) || is_unsigned(type); }

std::optional<uint64_t> Value::as_uint() const {
    if (is_unsigned(type)) return u;
    if (is_signed(type) && i >= 0) return static_cast<uint64_t>(i);
    return std::nullopt;
}

std::optional<int64_t> Value::as_int() const {
    if (is_signed(type)) return i;
    if (is_unsigned(type) && u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return static_cast<int64_t>(u);
    }
    return std::nullopt;
}

std::optional<double> Value::as_double() const {
    if (type == ValueType::kFloat32 || type == ValueType::kFloat64) return f;
    if (is_unsigned(type)) return static_cast<double>(u);
    if (is_signed(type)) return static_cast<double>(i);
    return std::nullopt;
}

int64_t Array::int_at(uint64_t index) const {
    // Out-of-contract calls read nothing: a wrong index or type gives 0, never a stray read.
    if (raw == nullptr || index >= size) return 0;
    Value v;
    decode_fixed(element_type, raw + index * fixed_size(element_type), &v);
    if (is_signed(element_type)) return v.i;
    if (is_unsigned(element_type) || element_type == ValueType::kBool) {
        return static_cast<int64_t>(v.u);  // a uint64 above INT64_MAX wraps
    }
    return 0;
}

double Array::float_at(uint64_t index) const {
    if (raw == nullptr || index >= size) return 0;
    Value v;
    decode_fixed(element_type, raw + index * fixed_size(element_type), &v);
    return v.as_double().value_or(0.0);
}

std::span<const unsigned char> Array::bytes() const {
    if (raw == nullptr) return {};
    return {raw, static_cast<size_t>(size * fixed_size(element_type))};
}

// ---- File ----

namespace {

// What the parser fills in: the image it reads and everything it finds there.
struct Contents {
    std::string name;
    const unsigned char* data = nullptr;
    uint64_t size = 0;

    uint32_t version = 0;
    uint64_t alignment = kDefaultAlignment;
    uint64_t data_offset = 0;
    std::vector<KeyValue> metadata;
    std::unordered_map<std::string_view, size_t> key_index;
    std::vector<TensorInfo> tensors;
    std::unordered_map<std::string_view, size_t> tensor_index;
};

// One pass over the image. Every read first checks that the bytes are there; every failure
// names the file, what is wrong, the key or tensor being read, and the byte where it was found.
class Parser {
public:
    explicit Parser(Contents& file) : f_(file) {}

    Status parse() {
        OPENBOOK_RETURN_IF_ERROR(read_header());
        OPENBOOK_RETURN_IF_ERROR(read_metadata());
        OPENBOOK_RETURN_IF_ERROR(read_tensor_infos());
        return check_tensor_data();
    }

private:
    Status fail(StatusCode code, std::string_view what, uint64_t at) const {
        std::string where = context_.empty() ? "" : context_ + ": ";
        return {code, fmt::format("{}: GGUF {}{} (at byte {})", f_.name, where, what, at)};
    }
    Status corrupt(std::string_view what, uint64_t at) const {
        return fail(StatusCode::kCorrupt, what, at);
    }

    uint64_t left() const { return f_.size - pos_; }

    Status need(uint64_t n, std::string_view what) const {
        if (n <= left()) return {};
        return corrupt(fmt::format("truncated: {} needs {} bytes, {} left", what, n, left()), pos_);
    }

    Status read_u32(uint32_t* out, std::string_view what) {
        OPENBOOK_RETURN_IF_ERROR(need(4, what));
        *out = load<uint32_t>(f_.data + pos_);
        pos_ += 4;
        return {};
    }

    Status read_u64(uint64_t* out, std::string_view what) {
        OPENBOOK_RETURN_IF_ERROR(need(8, what));
        *out = load<uint64_t>(f_.data + pos_);
        pos_ += 8;
        return {};
    }

    Status read_string(std::string_view* out, std::string_view what) {
        uint64_t at = pos_;
        uint64_t length = 0;
        OPENBOOK_RETURN_IF_ERROR(read_u64(&length, what));
        if (length > left()) {
            return corrupt(fmt::format("{} length {} runs past the end of the file ({} bytes left)",
                                       what, length, left()),
                           at);
        }
        *out = {reinterpret_cast<const char*>(f_.data + pos_), static_cast<size_t>(length)};
        pos_ += length;
        return {};
    }

    Status read_value_type(ValueType* out, std::string_view what) {
        uint64_t at = pos_;
        uint32_t raw = 0;
        OPENBOOK_RETURN_IF_ERROR(read_u32(&raw, what));
        if (!is_known_value_type(raw)) {
            return corrupt(fmt::format("unknown value type {} ({})", raw, what), at);
        }
        *out = static_cast<ValueType>(raw);
        return {};
    }

    Status read_header() {
        OPENBOOK_RETURN_IF_ERROR(need(4, "the magic"));
        if (std::memcmp(f_.data, kMagic, 4) != 0) {
            return corrupt("bad magic: not a GGUF file", 0);
        }
        pos_ = 4;
        OPENBOOK_RETURN_IF_ERROR(read_u32(&f_.version, "the version"));
        if (f_.version != 2 && f_.version != 3) {
            // Version 1 used 32-bit counts and lengths; a byte-swapped 2 or 3 is a big-endian file.
            uint32_t swapped = __builtin_bswap32(f_.version);
            std::string hint = swapped == 2 || swapped == 3 ? " (a big-endian file?)" : "";
            return fail(StatusCode::kUnsupported,
                        fmt::format("version {} is not supported, only versions 2 and 3{}",
                                    f_.version, hint),
                        4);
        }
        OPENBOOK_RETURN_IF_ERROR(read_u64(&tensor_count_, "the tensor count"));
        OPENBOOK_RETURN_IF_ERROR(read_u64(&kv_count_, "the metadata count"));
        if (kv_count_ > left() / kMinKeyValueBytes) {
            return corrupt(
                fmt::format("metadata count {} cannot fit in the {} bytes left", kv_count_, left()),
                16);
        }
        if (tensor_count_ > left() / kMinTensorInfoBytes) {
            return corrupt(fmt::format("tensor count {} cannot fit in the {} bytes left",
                                       tensor_count_, left()),
                           8);
        }
        return {};
    }

    Status read_metadata() {
        f_.metadata.reserve(static_cast<size_t>(kv_count_));
        f_.key_index.reserve(static_cast<size_t>(kv_count_));
        for (uint64_t n = 0; n < kv_count_; ++n) {
            uint64_t key_at = pos_;
            KeyValue kv;
            OPENBOOK_RETURN_IF_ERROR(read_string(&kv.key, "key"));
            if (kv.key.empty()) return corrupt(fmt::format("metadata key {} is empty", n), key_at);
            context_ = fmt::format("key '{}'", printable(kv.key));
            uint64_t value_at = pos_;
            ValueType type = ValueType::kUint8;
            OPENBOOK_RETURN_IF_ERROR(read_value_type(&type, "value type"));
            OPENBOOK_RETURN_IF_ERROR(read_value(type, 0, &kv.value));
            std::string_view encoded(reinterpret_cast<const char*>(f_.data + value_at),
                                     pos_ - value_at);
            if (auto it = f_.key_index.find(kv.key); it != f_.key_index.end()) {
                // Some 2024 converters wrote general.file_type twice with the same value: a
                // byte-identical repeat is harmless and read once; a different one is ambiguous.
                if (encoded != value_bytes_[it->second]) {
                    return corrupt("duplicate key with a different value", key_at);
                }
                context_.clear();
                continue;
            }
            if (kv.key == kAlignmentKey) {
                OPENBOOK_RETURN_IF_ERROR(set_alignment(kv.value, value_at));
            }
            f_.key_index.emplace(kv.key, f_.metadata.size());
            f_.metadata.push_back(std::move(kv));
            value_bytes_.push_back(encoded);
            context_.clear();
        }
        return {};
    }

    Status set_alignment(const Value& value, uint64_t at) {
        if (value.type != ValueType::kUint32) {
            return corrupt(
                fmt::format("alignment must be a uint32, not a {}", value_type_name(value.type)),
                at);
        }
        if (value.u == 0 || !std::has_single_bit(value.u)) {
            return corrupt(fmt::format("alignment {} is not a power of two", value.u), at);
        }
        f_.alignment = value.u;
        return {};
    }

    // `depth` counts the arrays this value sits in.
    Status read_value(ValueType type, uint32_t depth, Value* out) {
        if (type == ValueType::kString) {
            out->type = type;
            return read_string(&out->str, "string");
        }
        if (type == ValueType::kArray) return read_array(depth + 1, out);
        uint64_t size = fixed_size(type);
        OPENBOOK_RETURN_IF_ERROR(need(size, value_type_name(type)));
        decode_fixed(type, f_.data + pos_, out);
        pos_ += size;
        return {};
    }

    Status read_array(uint32_t depth, Value* out) {
        uint64_t at = pos_;
        if (depth > kMaxArrayDepth) {
            return corrupt(fmt::format("arrays nested deeper than {}", kMaxArrayDepth), at);
        }
        auto array = std::make_shared<Array>();
        OPENBOOK_RETURN_IF_ERROR(read_value_type(&array->element_type, "array element type"));
        OPENBOOK_RETURN_IF_ERROR(read_u64(&array->size, "the array count"));
        // Every element takes at least min_encoded_size bytes: check the count against what is
        // left before reserving anything for it.
        uint64_t min_size = min_encoded_size(array->element_type);
        if (array->size > left() / min_size) {
            return corrupt(fmt::format("array of {} {} elements runs past the end of the file "
                                       "({} bytes left)",
                                       array->size, value_type_name(array->element_type), left()),
                           at);
        }
        auto count = static_cast<size_t>(array->size);
        if (array->element_type == ValueType::kString) {
            array->strings.resize(count);
            for (auto& s : array->strings) OPENBOOK_RETURN_IF_ERROR(read_string(&s, "string"));
        } else if (array->element_type == ValueType::kArray) {
            array->arrays.resize(count);
            for (auto& v : array->arrays) OPENBOOK_RETURN_IF_ERROR(read_array(depth + 1, &v));
        } else {
            array->raw = f_.data + pos_;
            pos_ += array->size * min_size;
        }
        out->type = ValueType::kArray;
        out->array = std::move(array);
        return {};
    }

    Status read_tensor_infos() {
        if (tensor_count_ > left() / kMinTensorInfoBytes) {
            return corrupt(fmt::format("tensor count {} cannot fit in the {} bytes left",
                                       tensor_count_, left()),
                           pos_);
        }
        f_.tensors.reserve(static_cast<size_t>(tensor_count_));
        f_.tensor_index.reserve(static_cast<size_t>(tensor_count_));
        offset_at_.reserve(static_cast<size_t>(tensor_count_));
        for (uint64_t n = 0; n < tensor_count_; ++n) {
            uint64_t name_at = pos_;
            TensorInfo t;
            OPENBOOK_RETURN_IF_ERROR(read_string(&t.name, "tensor name"));
            context_ = fmt::format("tensor '{}'", printable(t.name));
            if (f_.tensor_index.count(t.name) != 0) {
                return corrupt("duplicate tensor name", name_at);
            }
            OPENBOOK_RETURN_IF_ERROR(read_tensor_shape(&t));
            offset_at_.push_back(pos_);
            OPENBOOK_RETURN_IF_ERROR(read_u64(&t.offset, "the data offset"));
            if (t.offset % f_.alignment != 0) {
                return corrupt(fmt::format("data offset {} is not a multiple of the alignment {}",
                                           t.offset, f_.alignment),
                               offset_at_.back());
            }
            f_.tensor_index.emplace(t.name, f_.tensors.size());
            f_.tensors.push_back(std::move(t));
            context_.clear();
        }
        // The data section starts at the first multiple of the alignment after the infos.
        f_.data_offset = (pos_ + f_.alignment - 1) / f_.alignment * f_.alignment;
        return {};
    }

    // n_dims, the dimensions and the type, and from them the element and byte counts.
    Status read_tensor_shape(TensorInfo* t) {
        uint64_t at = pos_;
        uint32_t n_dims = 0;
        OPENBOOK_RETURN_IF_ERROR(read_u32(&n_dims, "the dimension count"));
        if (n_dims > kMaxDims) {
            return corrupt(fmt::format("{} dimensions, at most {} allowed", n_dims, kMaxDims), at);
        }
        at = pos_;
        OPENBOOK_RETURN_IF_ERROR(need(uint64_t{8} * n_dims, "the dimensions"));
        t->dims.resize(n_dims);
        for (auto& d : t->dims) {
            d = load<uint64_t>(f_.data + pos_);
            pos_ += 8;
        }
        // ggml keeps dimensions and their product in int64_t: anything above that is a lie.
        constexpr auto kMaxCount = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
        t->n_elements = 1;
        for (uint64_t d : t->dims) {
            if (__builtin_mul_overflow(t->n_elements, d, &t->n_elements) ||
                t->n_elements > kMaxCount) {
                return corrupt(fmt::format("dimensions {} overflow the element count",
                                           fmt::join(t->dims, "x")),
                               at);
            }
        }
        at = pos_;
        OPENBOOK_RETURN_IF_ERROR(read_u32(&t->type, "the tensor type"));
        auto traits = ggml_type_traits(t->type);
        if (!traits) {
            return fail(StatusCode::kUnsupported, fmt::format("unknown ggml type {}", t->type), at);
        }
        uint64_t row = t->dims.empty() ? 1 : t->dims[0];
        if (row % traits->block_elements != 0) {
            return corrupt(fmt::format("row length {} is not a multiple of the {} block size {}",
                                       row, traits->name, traits->block_elements),
                           at);
        }
        // n_elements / block_elements blocks, exact because the row length is a multiple.
        if (__builtin_mul_overflow(t->n_elements / traits->block_elements, traits->block_bytes,
                                   &t->n_bytes)) {
            return corrupt("tensor byte size overflows", at);
        }
        return {};
    }

    // Every tensor's bytes lie inside the file and no two tensors share a byte.
    Status check_tensor_data() {
        std::vector<size_t> order;
        for (size_t n = 0; n < f_.tensors.size(); ++n) {
            const TensorInfo& t = f_.tensors[n];
            uint64_t end = 0;
            if (__builtin_add_overflow(f_.data_offset, t.offset, &end) ||
                __builtin_add_overflow(end, t.n_bytes, &end) || end > f_.size) {
                context_ = fmt::format("tensor '{}'", printable(t.name));
                return corrupt(fmt::format("data (offset {}, {} bytes) runs past the end of the "
                                           "file ({} bytes, data section at {})",
                                           t.offset, t.n_bytes, f_.size, f_.data_offset),
                               offset_at_[n]);
            }
            if (t.n_bytes > 0) order.push_back(n);
        }
        std::sort(order.begin(), order.end(),
                  [&](size_t a, size_t b) { return f_.tensors[a].offset < f_.tensors[b].offset; });
        for (size_t k = 1; k < order.size(); ++k) {
            const TensorInfo& prev = f_.tensors[order[k - 1]];
            const TensorInfo& cur = f_.tensors[order[k]];
            if (prev.offset + prev.n_bytes > cur.offset) {
                context_ = fmt::format("tensor '{}'", printable(cur.name));
                return corrupt(fmt::format("data overlaps tensor '{}'", printable(prev.name)),
                               offset_at_[order[k]]);
            }
        }
        return {};
    }

    Contents& f_;
    uint64_t pos_ = 0;
    uint64_t tensor_count_ = 0;
    uint64_t kv_count_ = 0;
    std::vector<std::string_view> value_bytes_;  // each key's encoded type and value
    std::vector<uint64_t> offset_at_;  // where each tensor's offset field is, for messages
    std::string context_;              // "key 'x'" or "tensor 'y'" while reading one
};

}  // namespace

struct File::Impl {
    core::MappedFile map;  // open(): the file
    std::string owned;     // from_bytes(): the image
    Contents c;
};

File::File(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

Result<File> File::open(const std::filesystem::path& path) {
    OPENBOOK_ASSIGN_OR_RETURN(auto map, core::MappedFile::open(path));
    auto impl = std::make_unique<Impl>();
    impl->map = std::move(map);
    impl->c.name = path.string();
    impl->c.data = impl->map.data();
    impl->c.size = impl->map.size();
    OPENBOOK_RETURN_IF_ERROR(Parser(impl->c).parse());
    return File(std::move(impl));
}

Result<File> File::from_bytes(std::string bytes, std::string name) {
    auto impl = std::make_unique<Impl>();
    impl->owned = std::move(bytes);
    impl->c.name = std::move(name);
    impl->c.data = reinterpret_cast<const unsigned char*>(impl->owned.data());
    impl->c.size = impl->owned.size();
    OPENBOOK_RETURN_IF_ERROR(Parser(impl->c).parse());
    return File(std::move(impl));
}

const std::string& File::name() const { return impl_->c.name; }
uint32_t File::version() const { return impl_->c.version; }
uint64_t File::file_size() const { return impl_->c.size; }
uint64_t File::alignment() const { return impl_->c.alignment; }
uint64_t File::data_offset() const { return impl_->c.data_offset; }
const std::vector<KeyValue>& File::metadata() const { return impl_->c.metadata; }
const std::vector<TensorInfo>& File::tensors() const { return impl_->c.tensors; }

const Value* File::find(std::string_view key) const {
    auto it = impl_->c.key_index.find(key);
    return it == impl_->c.key_index.end() ? nullptr : &impl_->c.metadata[it->second].value;
}

std::optional<std::string_view> File::get_string(std::string_view key) const {
    const Value* v = find(key);
    if (v == nullptr || v->type != ValueType::kString) return std::nullopt;
    return v->str;
}

std::optional<uint64_t> File::get_uint(std::string_view key) const {
    const Value* v = find(key);
    return v == nullptr ? std::nullopt : v->as_uint();
}

std::optional<int64_t> File::get_int(std::string_view key) const {
    const Value* v = find(key);
    return v == nullptr ? std::nullopt : v->as_int();
}

std::optional<double> File::get_float(std::string_view key) const {
    const Value* v = find(key);
    return v == nullptr ? std::nullopt : v->as_double();
}

std::optional<bool> File::get_bool(std::string_view key) const {
    const Value* v = find(key);
    if (v == nullptr || v->type != ValueType::kBool) return std::nullopt;
    return v->u != 0;
}

const Array* File::get_array(std::string_view key, ValueType element) const {
    const Value* v = find(key);
    if (v == nullptr || v->type != ValueType::kArray || v->array->element_type != element) {
        return nullptr;
    }
    return v->array.get();
}

const TensorInfo* File::find_tensor(std::string_view name) const {
    auto it = impl_->c.tensor_index.find(name);
    return it == impl_->c.tensor_index.end() ? nullptr : &impl_->c.tensors[it->second];
}

std::span<const unsigned char> File::tensor_data(const TensorInfo& tensor) const {
    // open() checked every tensor of this file; the check here only keeps a TensorInfo from
    // another file (or a modified copy) from reading outside the image.
    uint64_t start = impl_->c.data_offset + tensor.offset;
    if (tensor.n_bytes == 0 || start < tensor.offset || start > impl_->c.size ||
        tensor.n_bytes > impl_->c.size - start) {
        return {};
    }
    return {impl_->c.data + start, static_cast<size_t>(tensor.n_bytes)};
}

}  // namespace openbook::gguf
