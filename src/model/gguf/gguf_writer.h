// Writing GGUF files: metadata of every value type (arrays and nested arrays included) and
// tensors, as GGUF version 3 (or 2, which has the same layout).
//
// Contract: every add*() / set*() call checks its input and refuses what File::open would
// reject (an empty or repeated key or tensor name, array elements that are not all of the
// array's element type, arrays nested deeper than kMaxArrayDepth, a number that does not fit its
// type, more than kMaxDims dimensions, a row length that is not a multiple of the type's block,
// tensor bytes that do not match dims and type), with kInvalidArgument and a message naming the
// key or tensor. So serialize() cannot fail, and what it writes always opens. Keys and tensors
// are written in the order they were added; each tensor's data starts at the next multiple of
// the alignment and is zero-padded up to the next one.
//
// Thread-safety: a Writer belongs to one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "model/gguf/ggml_type.h"
#include "model/gguf/gguf_file.h"
#include "openbook/status.h"

namespace openbook::gguf {

// A metadata value to write. Unlike the reader's Value it owns its strings and elements. Build
// it with the factories; the fields mirror Value's (u for unsigned and bool, i for signed, f for
// floats).
struct MetaValue {
    ValueType type = ValueType::kUint8;
    uint64_t u = 0;
    int64_t i = 0;
    double f = 0;
    std::string str;                             // kString
    ValueType element_type = ValueType::kUint8;  // kArray
    std::vector<MetaValue> elements;             // kArray

    static MetaValue uint8(uint8_t v) { return unsigned_of(ValueType::kUint8, v); }
    static MetaValue int8(int8_t v) { return signed_of(ValueType::kInt8, v); }
    static MetaValue uint16(uint16_t v) { return unsigned_of(ValueType::kUint16, v); }
    static MetaValue int16(int16_t v) { return signed_of(ValueType::kInt16, v); }
    static MetaValue uint32(uint32_t v) { return unsigned_of(ValueType::kUint32, v); }
    static MetaValue int32(int32_t v) { return signed_of(ValueType::kInt32, v); }
    static MetaValue uint64(uint64_t v) { return unsigned_of(ValueType::kUint64, v); }
    static MetaValue int64(int64_t v) { return signed_of(ValueType::kInt64, v); }
    static MetaValue float32(float v) { return float_of(ValueType::kFloat32, v); }
    static MetaValue float64(double v) { return float_of(ValueType::kFloat64, v); }
    static MetaValue boolean(bool v) { return unsigned_of(ValueType::kBool, v ? 1 : 0); }
    static MetaValue string(std::string v);
    // An array of `element_type` values (each element's type must be element_type; nested
    // arrays are arrays of kArray).
    static MetaValue array(ValueType element_type, std::vector<MetaValue> elements);
    static MetaValue strings(const std::vector<std::string>& values);
    // An array whose element type follows T: int32_t → kInt32, float → kFloat32, and so on.
    template <class T>
    static MetaValue numbers(const std::vector<T>& values);

private:
    static MetaValue unsigned_of(ValueType type, uint64_t v);
    static MetaValue signed_of(ValueType type, int64_t v);
    static MetaValue float_of(ValueType type, double v);
};

class Writer {
public:
    // Version 3 (the default) or 2.
    Status set_version(uint32_t version);
    // A non-zero power of two. Stored as general.alignment (uint32), in the position of the
    // first call; later calls change its value.
    Status set_alignment(uint32_t alignment);
    // Appends a key/value pair. general.alignment is set with set_alignment() only.
    Status add(std::string key, MetaValue value);
    // Appends a tensor of `dims` (ggml order, dims[0] is the row length) whose data is `bytes`,
    // which must be exactly the size dims and type call for.
    Status add_tensor(std::string name, std::vector<uint64_t> dims, GgmlType type,
                      std::string_view bytes);

    // The whole file image.
    std::string serialize() const;
    // serialize() written to path atomically (core::write_file_atomic).
    Status write(const std::filesystem::path& path) const;

private:
    struct Tensor {
        std::string name;
        std::vector<uint64_t> dims;
        GgmlType type;
        std::string bytes;
    };

    uint32_t version_ = 3;
    uint32_t alignment_ = kDefaultAlignment;
    std::vector<std::pair<std::string, MetaValue>> metadata_;
    std::vector<Tensor> tensors_;
};

template <class T>
MetaValue MetaValue::numbers(const std::vector<T>& values) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>,
                  "numbers() takes (u)int8..64_t, float or double");
    ValueType type;
    if constexpr (std::is_same_v<T, float>) {
        type = ValueType::kFloat32;
    } else if constexpr (std::is_same_v<T, double>) {
        type = ValueType::kFloat64;
    } else {
        constexpr bool s = std::is_signed_v<T>;
        constexpr ValueType kBySize[4][2] = {{ValueType::kUint8, ValueType::kInt8},
                                             {ValueType::kUint16, ValueType::kInt16},
                                             {ValueType::kUint32, ValueType::kInt32},
                                             {ValueType::kUint64, ValueType::kInt64}};
        constexpr int row = sizeof(T) == 1 ? 0 : sizeof(T) == 2 ? 1 : sizeof(T) == 4 ? 2 : 3;
        type = kBySize[row][s ? 1 : 0];
    }
    std::vector<MetaValue> elements;
    elements.reserve(values.size());
    for (T v : values) {
        if constexpr (std::is_floating_point_v<T>) {
            elements.push_back(float_of(type, v));
        } else if constexpr (std::is_signed_v<T>) {
            elements.push_back(signed_of(type, v));
        } else {
            elements.push_back(unsigned_of(type, v));
        }
    }
    return array(type, std::move(elements));
}

}  // namespace openbook::gguf
