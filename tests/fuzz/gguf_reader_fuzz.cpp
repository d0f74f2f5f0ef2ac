// libFuzzer target for the GGUF reader: File::from_bytes on arbitrary bytes, then every
// accessor on whatever it accepts, so the sanitizers see every read the parser allowed.
// Built and run by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/gguf/gguf_file.h"

namespace {

using openbook::gguf::Array;
using openbook::gguf::File;
using openbook::gguf::TensorInfo;
using openbook::gguf::Value;
using openbook::gguf::ValueType;

// An invariant of the reader's contract that does not hold is a finding, like a crash.
void check(bool ok) {
    if (!ok) __builtin_trap();
}

uint64_t touch(const Value& v);

uint64_t touch(const Array& a) {
    uint64_t h = a.size + static_cast<uint64_t>(a.element_type);
    for (unsigned char b : a.bytes()) h += b;
    for (uint64_t i = 0; i < a.size && a.raw != nullptr; ++i) {
        h += static_cast<uint64_t>(a.int_at(i));
        h += a.float_at(i) > 0;  // no float→int cast: NaN would be undefined behaviour
    }
    for (std::string_view s : a.strings) h += s.size() + (s.empty() ? 0 : s.front() + s.back());
    for (const Value& v : a.arrays) h += touch(v);
    check(a.element_type != ValueType::kString || a.strings.size() == a.size);
    check(a.element_type != ValueType::kArray || a.arrays.size() == a.size);
    return h;
}

uint64_t touch(const Value& v) {
    uint64_t h = openbook::gguf::value_type_name(v.type).size() + v.is_integer();
    h += v.as_uint().value_or(0) + static_cast<uint64_t>(v.as_int().value_or(0));
    h += v.as_double().value_or(0) > 0;
    for (char c : v.str) h += static_cast<unsigned char>(c);
    if (v.type == ValueType::kArray) {
        check(v.array != nullptr);
        h += touch(*v.array);
    }
    return h;
}

uint64_t touch(const File& f) {
    uint64_t h = f.version() + f.alignment() + f.data_offset() + f.file_size();
    for (const auto& kv : f.metadata()) {
        check(f.find(kv.key) == &kv.value);
        h += touch(kv.value);
        h += f.get_string(kv.key).has_value() + f.get_uint(kv.key).value_or(0);
        h += static_cast<uint64_t>(f.get_int(kv.key).value_or(0)) + f.get_bool(kv.key).has_value();
        h += f.get_float(kv.key).value_or(0) > 0;
        h += f.get_array(kv.key, ValueType::kString) != nullptr;
    }
    for (const TensorInfo& t : f.tensors()) {
        check(f.find_tensor(t.name) == &t);
        h += openbook::gguf::ggml_type_name(t.type).size() + t.n_elements + t.offset;
        for (uint64_t d : t.dims) h += d;
        auto data = f.tensor_data(t);
        check(data.size() == t.n_bytes);
        if (!data.empty()) h += data.front() + data.back();
    }
    return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = File::from_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    if (!file.has_value()) {
        // Every refusal is a clean, named error.
        const std::string message = file.error().message();
        check(message.rfind("fuzz: GGUF ", 0) == 0);
        return 0;
    }
    volatile uint64_t sink = touch(*file);
    (void)sink;
    return 0;
}
