// Reading GGUF files (versions 2 and 3): header, metadata key/values, tensor infos and the
// tensor data section, over a read-only memory map.
//
// Contract: open() validates the whole file structure before returning. Every count, length and
// offset is checked against the file size before it is used, so a file that lies (counts or
// string lengths past EOF, tensor data past EOF, overlapping tensors, unknown value or tensor
// types, bad alignment, nesting too deep) yields kCorrupt / kUnsupported with a message naming
// the file and the problem — never a crash, and never an allocation larger than the file
// itself justifies. After a successful open(), every accessor is a cheap, non-failing lookup;
// the string_views and spans stay valid as long as the File (or a move of it) lives.
//
// What counts as valid, beyond the obvious:
// - keys are non-empty (not necessarily UTF-8) and unique; a key repeated with a byte-identical
//   value is read once (2024 converters wrote general.file_type twice); a bool byte other than
//   0 reads as true; general.alignment, when present, is a uint32 power of two;
// - tensor names are unique; a tensor has 0-4 dimensions (0 is a scalar); each dimension and
//   their product are at most 2^63-1; a dimension of 0 is allowed, as ggml allows it (no
//   elements, no bytes); the row length dims[0] is a multiple of the type's block size;
// - tensor offsets are multiples of the alignment, data lies inside the file and tensors do not
//   overlap, but they need not be in order or packed.
//
// Thread-safety: a File is immutable after open(); concurrent reads are safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/gguf/ggml_type.h"
#include "openbook/status.h"

namespace openbook::gguf {

// Metadata value types, numbered as in the file format.
enum class ValueType : uint32_t {
    kUint8 = 0,
    kInt8 = 1,
    kUint16 = 2,
    kInt16 = 3,
    kUint32 = 4,
    kInt32 = 5,
    kFloat32 = 6,
    kBool = 7,
    kString = 8,
    kArray = 9,
    kUint64 = 10,
    kInt64 = 11,
    kFloat64 = 12,
};

std::string_view value_type_name(ValueType type);  // "uint32", "string", …; "unknown" otherwise

// Limits the reader enforces (and the writer respects).
inline constexpr uint32_t kDefaultAlignment = 32;  // when general.alignment is absent
inline constexpr uint32_t kMaxDims = 4;            // ggml tensors have at most 4 dimensions
inline constexpr uint32_t kMaxArrayDepth = 4;      // an array may sit inside at most 3 others

struct Array;

// One metadata value. Scalars are decoded; strings and arrays point into the mapped file.
struct Value {
    ValueType type = ValueType::kUint8;
    uint64_t u = 0;        // unsigned integer types and bool (0/1)
    int64_t i = 0;         // signed integer types
    double f = 0;          // kFloat32 / kFloat64
    std::string_view str;  // kString
    std::shared_ptr<const Array> array;  // kArray

    bool is_integer() const;  // any of the eight integer types
    // The value as an unsigned/signed integer when it is an integer type that fits; nullopt
    // otherwise (wrong type, negative for as_uint, out of range).
    std::optional<uint64_t> as_uint() const;
    std::optional<int64_t> as_int() const;
    // kFloat32/kFloat64 or an integer type converted to double.
    std::optional<double> as_double() const;
};

// An array value. Elements of fixed-size types stay in the file (little-endian, possibly
// unaligned: read them with the typed accessors); strings and nested arrays are indexed.
struct Array {
    ValueType element_type = ValueType::kUint8;
    uint64_t size = 0;
    const unsigned char* raw = nullptr;    // fixed-size element types: size * element bytes
    std::vector<std::string_view> strings;  // element_type == kString
    std::vector<Value> arrays;              // element_type == kArray

    // Element i of a fixed-size numeric type (caller checks element_type and i < size).
    int64_t int_at(uint64_t i) const;      // any integer type or bool
    double float_at(uint64_t i) const;     // kFloat32 / kFloat64
    // The raw bytes of the fixed-size elements (empty for strings and arrays).
    std::span<const unsigned char> bytes() const;
};

struct KeyValue {
    std::string_view key;
    Value value;
};

struct TensorInfo {
    std::string_view name;
    std::vector<uint64_t> dims;  // ggml order: dims[0] (ne0) is the contiguous row length
    uint32_t type = 0;           // raw ggml type number (see ggml_type.h); always a known type
    uint64_t offset = 0;         // from the start of the data section; a multiple of alignment
    uint64_t n_elements = 0;
    uint64_t n_bytes = 0;        // the tensor's size in the data section
};

class File {
public:
    // Maps and validates a GGUF file.
    static Result<File> open(const std::filesystem::path& path);
    // Validates a GGUF image held in memory (tests, the fuzzer). `name` is used in messages.
    static Result<File> from_bytes(std::string bytes, std::string name);

    File(File&&) noexcept;
    File& operator=(File&&) noexcept;
    ~File();

    const std::string& name() const;  // the path (or the from_bytes name), for messages
    uint32_t version() const;
    uint64_t file_size() const;
    uint64_t alignment() const;       // general.alignment or 32
    // Where the tensor data section starts in the file. Files without tensors need not be
    // padded up to it, so there it may lie past file_size().
    uint64_t data_offset() const;

    const std::vector<KeyValue>& metadata() const;  // in file order
    const Value* find(std::string_view key) const;  // nullptr when absent

    // Typed lookups. Absent key → nullopt; present with the wrong type → nullopt as well (use
    // find() to tell the two apart when an error message needs it).
    std::optional<std::string_view> get_string(std::string_view key) const;
    std::optional<uint64_t> get_uint(std::string_view key) const;
    std::optional<int64_t> get_int(std::string_view key) const;
    std::optional<double> get_float(std::string_view key) const;
    std::optional<bool> get_bool(std::string_view key) const;
    // The array under key when its element type is `element`; nullptr otherwise.
    const Array* get_array(std::string_view key, ValueType element) const;

    const std::vector<TensorInfo>& tensors() const;  // in file order
    const TensorInfo* find_tensor(std::string_view name) const;
    std::span<const unsigned char> tensor_data(const TensorInfo& tensor) const;

private:
    struct Impl;
    explicit File(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace openbook::gguf
