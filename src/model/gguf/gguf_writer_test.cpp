// Writer → reader round trips, and what the writer refuses.
#include "model/gguf/gguf_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace openbook::gguf {
namespace {

File read_back(const Writer& writer, const std::string& name = "roundtrip.gguf") {
    auto file = File::from_bytes(writer.serialize(), name);
    if (!file.has_value()) throw std::runtime_error(file.error().to_string());
    return std::move(file).value();
}

std::string bytes_of(const std::vector<float>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4);
}

// n bytes of a recognisable pattern.
std::string pattern(size_t n, unsigned seed) {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 31 + seed * 7) & 0xff);
    return out;
}

TEST(GgufWriter, ScalarsOfEveryTypeRoundTrip) {
    Writer w;
    ASSERT_TRUE(w.add("u8", MetaValue::uint8(255)).ok());
    ASSERT_TRUE(w.add("i8", MetaValue::int8(-128)).ok());
    ASSERT_TRUE(w.add("u16", MetaValue::uint16(65535)).ok());
    ASSERT_TRUE(w.add("i16", MetaValue::int16(-32768)).ok());
    ASSERT_TRUE(w.add("u32", MetaValue::uint32(4000000000u)).ok());
    ASSERT_TRUE(w.add("i32", MetaValue::int32(-2000000000)).ok());
    ASSERT_TRUE(w.add("u64", MetaValue::uint64(std::numeric_limits<uint64_t>::max())).ok());
    ASSERT_TRUE(w.add("i64", MetaValue::int64(std::numeric_limits<int64_t>::min())).ok());
    ASSERT_TRUE(w.add("f32", MetaValue::float32(1e-5f)).ok());
    ASSERT_TRUE(w.add("f64", MetaValue::float64(-0.1)).ok());
    ASSERT_TRUE(w.add("yes", MetaValue::boolean(true)).ok());
    ASSERT_TRUE(w.add("no", MetaValue::boolean(false)).ok());
    ASSERT_TRUE(w.add("s", MetaValue::string("héllo 世界")).ok());
    ASSERT_TRUE(w.add("nul", MetaValue::string(std::string("a\0b", 3))).ok());
    ASSERT_TRUE(w.add("empty", MetaValue::string("")).ok());

    File f = read_back(w);
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.alignment(), 32u);
    EXPECT_EQ(f.metadata().size(), 15u);
    EXPECT_EQ(f.metadata()[0].key, "u8");  // file order
    EXPECT_EQ(f.metadata()[14].key, "empty");

    EXPECT_EQ(f.find("u8")->type, ValueType::kUint8);
    EXPECT_EQ(f.get_uint("u8"), 255u);
    EXPECT_EQ(f.find("i8")->type, ValueType::kInt8);
    EXPECT_EQ(f.get_int("i8"), -128);
    EXPECT_EQ(f.get_uint("u16"), 65535u);
    EXPECT_EQ(f.get_int("i16"), -32768);
    EXPECT_EQ(f.get_uint("u32"), 4000000000u);
    EXPECT_EQ(f.get_int("i32"), -2000000000);
    EXPECT_EQ(f.get_uint("u64"), std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(f.get_int("i64"), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(f.find("f32")->type, ValueType::kFloat32);
    EXPECT_EQ(f.get_float("f32"), static_cast<double>(1e-5f));
    EXPECT_EQ(f.get_float("f64"), -0.1);
    EXPECT_EQ(f.get_bool("yes"), true);
    EXPECT_EQ(f.get_bool("no"), false);
    EXPECT_EQ(f.get_string("s"), "héllo 世界");
    EXPECT_EQ(f.get_string("nul"), std::string_view("a\0b", 3));
    EXPECT_EQ(f.get_string("empty"), "");
}

TEST(GgufWriter, TypedLookupsRefuseTheWrongTypeOrRange) {
    Writer w;
    ASSERT_TRUE(w.add("neg", MetaValue::int32(-1)).ok());
    ASSERT_TRUE(w.add("big", MetaValue::uint64(std::numeric_limits<uint64_t>::max())).ok());
    ASSERT_TRUE(w.add("small", MetaValue::uint16(7)).ok());
    ASSERT_TRUE(w.add("flag", MetaValue::boolean(true)).ok());
    ASSERT_TRUE(w.add("text", MetaValue::string("7")).ok());
    ASSERT_TRUE(w.add("ints", MetaValue::numbers(std::vector<int32_t>{1, 2})).ok());
    File f = read_back(w);

    EXPECT_EQ(f.get_uint("neg"), std::nullopt);  // negative
    EXPECT_EQ(f.get_int("neg"), -1);
    EXPECT_EQ(f.get_int("big"), std::nullopt);    // above INT64_MAX
    EXPECT_EQ(f.get_int("small"), 7);             // unsigned that fits
    EXPECT_EQ(f.get_float("small"), 7.0);         // integers convert to double
    EXPECT_EQ(f.get_uint("flag"), std::nullopt);  // bool is not an integer
    EXPECT_EQ(f.get_bool("small"), std::nullopt);
    EXPECT_EQ(f.get_uint("text"), std::nullopt);
    EXPECT_EQ(f.get_string("small"), std::nullopt);
    EXPECT_EQ(f.get_string("missing"), std::nullopt);
    EXPECT_EQ(f.find("missing"), nullptr);
    EXPECT_NE(f.get_array("ints", ValueType::kInt32), nullptr);
    EXPECT_EQ(f.get_array("ints", ValueType::kUint32), nullptr);
    EXPECT_EQ(f.get_array("small", ValueType::kUint16), nullptr);
    EXPECT_TRUE(f.find("small")->is_integer());
    EXPECT_FALSE(f.find("flag")->is_integer());
}

TEST(GgufWriter, ArraysOfEveryElementTypeRoundTrip) {
    Writer w;
    ASSERT_TRUE(w.add("u8", MetaValue::numbers(std::vector<uint8_t>{0, 1, 255})).ok());
    ASSERT_TRUE(w.add("i8", MetaValue::numbers(std::vector<int8_t>{-128, 0, 127})).ok());
    ASSERT_TRUE(w.add("u16", MetaValue::numbers(std::vector<uint16_t>{65535, 1})).ok());
    ASSERT_TRUE(w.add("i16", MetaValue::numbers(std::vector<int16_t>{-32768, 32767})).ok());
    ASSERT_TRUE(w.add("u32", MetaValue::numbers(std::vector<uint32_t>{4294967295u})).ok());
    ASSERT_TRUE(w.add("i32", MetaValue::numbers(std::vector<int32_t>{-5, 6, -7})).ok());
    ASSERT_TRUE(w.add("u64", MetaValue::numbers(std::vector<uint64_t>{1ull << 40})).ok());
    ASSERT_TRUE(w.add("i64", MetaValue::numbers(std::vector<int64_t>{-(1ll << 50), 3})).ok());
    ASSERT_TRUE(w.add("f32", MetaValue::numbers(std::vector<float>{-1.5f, 0.25f})).ok());
    ASSERT_TRUE(w.add("f64", MetaValue::numbers(std::vector<double>{1e300, -2.5})).ok());
    ASSERT_TRUE(w.add("bools", MetaValue::array(ValueType::kBool, {MetaValue::boolean(true),
                                                                   MetaValue::boolean(false)}))
                    .ok());
    ASSERT_TRUE(w.add("strs", MetaValue::strings({"a", "", "▁the", std::string(300, 'z')})).ok());
    ASSERT_TRUE(w.add("none", MetaValue::array(ValueType::kString, {})).ok());

    File f = read_back(w);
    const Array* a = f.get_array("u8", ValueType::kUint8);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->size, 3u);
    EXPECT_EQ(a->int_at(2), 255);
    EXPECT_EQ(a->bytes().size(), 3u);
    EXPECT_EQ(f.get_array("i8", ValueType::kInt8)->int_at(0), -128);
    EXPECT_EQ(f.get_array("u16", ValueType::kUint16)->int_at(0), 65535);
    EXPECT_EQ(f.get_array("i16", ValueType::kInt16)->int_at(0), -32768);
    EXPECT_EQ(f.get_array("u32", ValueType::kUint32)->int_at(0), 4294967295ll);
    const Array* i32 = f.get_array("i32", ValueType::kInt32);
    ASSERT_NE(i32, nullptr);
    EXPECT_EQ(i32->int_at(0), -5);
    EXPECT_EQ(i32->int_at(1), 6);
    EXPECT_EQ(i32->int_at(2), -7);
    EXPECT_EQ(i32->bytes().size(), 12u);
    EXPECT_EQ(f.get_array("u64", ValueType::kUint64)->int_at(0), 1ll << 40);
    EXPECT_EQ(f.get_array("i64", ValueType::kInt64)->int_at(0), -(1ll << 50));
    EXPECT_EQ(f.get_array("f32", ValueType::kFloat32)->float_at(0), -1.5);
    EXPECT_EQ(f.get_array("f32", ValueType::kFloat32)->float_at(1), 0.25);
    EXPECT_EQ(f.get_array("f64", ValueType::kFloat64)->float_at(0), 1e300);
    const Array* bools = f.get_array("bools", ValueType::kBool);
    ASSERT_NE(bools, nullptr);
    EXPECT_EQ(bools->int_at(0), 1);
    EXPECT_EQ(bools->int_at(1), 0);
    const Array* strs = f.get_array("strs", ValueType::kString);
    ASSERT_NE(strs, nullptr);
    ASSERT_EQ(strs->size, 4u);
    EXPECT_EQ(strs->strings[0], "a");
    EXPECT_EQ(strs->strings[1], "");
    EXPECT_EQ(strs->strings[2], "▁the");
    EXPECT_EQ(strs->strings[3], std::string(300, 'z'));
    EXPECT_TRUE(strs->bytes().empty());
    EXPECT_EQ(f.get_array("none", ValueType::kString)->size, 0u);

    // Out-of-contract element reads return 0 rather than reading past the array.
    EXPECT_EQ(i32->int_at(3), 0);
    EXPECT_EQ(strs->int_at(0), 0);
    EXPECT_EQ(i32->float_at(1), 6.0);
}

TEST(GgufWriter, NestedArraysRoundTrip) {
    auto ints = [](std::vector<int32_t> v) { return MetaValue::numbers(v); };
    Writer w;
    ASSERT_TRUE(w.add("matrix",
                      MetaValue::array(ValueType::kArray, {ints({1, 2, 3}), ints({}), ints({-4})}))
                    .ok());
    ASSERT_TRUE(w.add("words", MetaValue::array(ValueType::kArray, {MetaValue::strings({"x", "yy"}),
                                                                    MetaValue::strings({"zzz"})}))
                    .ok());
    // Four levels deep: the most the format allows here.
    MetaValue deep = ints({42});
    for (int level = 0; level < 3; ++level) deep = MetaValue::array(ValueType::kArray, {deep});
    ASSERT_TRUE(w.add("deep", deep).ok());

    File f = read_back(w);
    const Array* m = f.get_array("matrix", ValueType::kArray);
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(m->arrays.size(), 3u);
    ASSERT_EQ(m->arrays[0].type, ValueType::kArray);
    const Array& row0 = *m->arrays[0].array;
    EXPECT_EQ(row0.element_type, ValueType::kInt32);
    ASSERT_EQ(row0.size, 3u);
    EXPECT_EQ(row0.int_at(2), 3);
    EXPECT_EQ(m->arrays[1].array->size, 0u);
    EXPECT_EQ(m->arrays[2].array->int_at(0), -4);

    const Array* words = f.get_array("words", ValueType::kArray);
    ASSERT_NE(words, nullptr);
    ASSERT_EQ(words->arrays.size(), 2u);
    EXPECT_EQ(words->arrays[0].array->strings[1], "yy");
    EXPECT_EQ(words->arrays[1].array->strings[0], "zzz");

    const Array* level = f.get_array("deep", ValueType::kArray);
    for (int n = 0; n < 2; ++n) {
        ASSERT_NE(level, nullptr);
        ASSERT_EQ(level->size, 1u);
        level = level->arrays[0].array.get();
    }
    ASSERT_EQ(level->element_type, ValueType::kArray);
    const Array& innermost = *level->arrays[0].array;
    EXPECT_EQ(innermost.element_type, ValueType::kInt32);
    EXPECT_EQ(innermost.int_at(0), 42);
}

TEST(GgufWriter, TensorsOfSeveralTypesRoundTrip) {
    Writer w;
    ASSERT_TRUE(w.add("general.architecture", MetaValue::string("test")).ok());
    std::vector<float> f32 = {1, -2, 3.5f, 0, 5, 6};
    ASSERT_TRUE(w.add_tensor("a.f32", {3, 2}, GgmlType::kF32, bytes_of(f32)).ok());
    ASSERT_TRUE(w.add_tensor("b.f16", {5}, GgmlType::kF16, pattern(10, 1)).ok());
    ASSERT_TRUE(w.add_tensor("c.q8_0", {64, 3}, GgmlType::kQ8_0, pattern(2 * 3 * 34, 2)).ok());
    ASSERT_TRUE(w.add_tensor("d.q4_k", {512, 1, 2}, GgmlType::kQ4_K, pattern(4 * 144, 3)).ok());
    ASSERT_TRUE(w.add_tensor("e.q6_k", {256, 1, 1, 2}, GgmlType::kQ6_K, pattern(2 * 210, 4)).ok());
    ASSERT_TRUE(w.add_tensor("f.scalar", {}, GgmlType::kI32, pattern(4, 5)).ok());
    ASSERT_TRUE(w.add_tensor("g.empty", {0, 4}, GgmlType::kF32, "").ok());

    File f = read_back(w);
    ASSERT_EQ(f.tensors().size(), 7u);
    EXPECT_EQ(f.tensors()[0].name, "a.f32");  // file order
    EXPECT_EQ(f.data_offset() % 32, 0u);

    const TensorInfo* a = f.find_tensor("a.f32");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->dims, (std::vector<uint64_t>{3, 2}));
    EXPECT_EQ(a->type, static_cast<uint32_t>(GgmlType::kF32));
    EXPECT_EQ(a->n_elements, 6u);
    EXPECT_EQ(a->n_bytes, 24u);
    EXPECT_EQ(a->offset, 0u);
    auto data = f.tensor_data(*a);
    ASSERT_EQ(data.size(), 24u);
    EXPECT_EQ(std::memcmp(data.data(), f32.data(), 24), 0);

    struct Expect {
        const char* name;
        uint64_t n_elements;
        uint64_t n_bytes;
        unsigned seed;
    };
    for (auto [name, n_elements, n_bytes, seed] :
         {Expect{"b.f16", 5, 10, 1}, Expect{"c.q8_0", 192, 204, 2}, Expect{"d.q4_k", 1024, 576, 3},
          Expect{"e.q6_k", 512, 420, 4}, Expect{"f.scalar", 1, 4, 5}}) {
        const TensorInfo* t = f.find_tensor(name);
        ASSERT_NE(t, nullptr) << name;
        EXPECT_EQ(t->n_elements, n_elements) << name;
        EXPECT_EQ(t->n_bytes, n_bytes) << name;
        EXPECT_EQ(t->offset % 32, 0u) << name;
        auto bytes = f.tensor_data(*t);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                  pattern(n_bytes, seed))
            << name;
    }
    EXPECT_TRUE(f.find_tensor("f.scalar")->dims.empty());
    const TensorInfo* empty = f.find_tensor("g.empty");
    ASSERT_NE(empty, nullptr);
    EXPECT_EQ(empty->n_elements, 0u);
    EXPECT_EQ(empty->n_bytes, 0u);
    EXPECT_TRUE(f.tensor_data(*empty).empty());
}

TEST(GgufWriter, CustomAlignmentIsWrittenAndHonoured) {
    for (uint32_t alignment : {1u, 8u, 64u, 4096u}) {
        SCOPED_TRACE(alignment);
        Writer w;
        ASSERT_TRUE(w.add("first", MetaValue::uint8(1)).ok());
        ASSERT_TRUE(w.set_alignment(16).ok());
        ASSERT_TRUE(w.set_alignment(alignment).ok());  // the later call wins, key stays put
        ASSERT_TRUE(w.add_tensor("x", {3}, GgmlType::kI8, "abc").ok());
        ASSERT_TRUE(w.add_tensor("y", {2}, GgmlType::kI8, "de").ok());
        File f = read_back(w);
        EXPECT_EQ(f.alignment(), alignment);
        ASSERT_EQ(f.metadata().size(), 2u);
        EXPECT_EQ(f.metadata()[1].key, "general.alignment");
        EXPECT_EQ(f.find("general.alignment")->type, ValueType::kUint32);
        EXPECT_EQ(f.data_offset() % alignment, 0u);
        const TensorInfo* y = f.find_tensor("y");
        EXPECT_EQ(y->offset, alignment == 1 ? 3u : alignment);
        auto data = f.tensor_data(*y);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(data.data()), data.size()), "de");
    }
}

TEST(GgufWriter, Version2RoundTrips) {
    Writer w;
    ASSERT_TRUE(w.set_version(2).ok());
    ASSERT_TRUE(w.add("k", MetaValue::string("v")).ok());
    ASSERT_TRUE(w.add_tensor("t", {32}, GgmlType::kQ4_0, pattern(18, 9)).ok());
    File f = read_back(w);
    EXPECT_EQ(f.version(), 2u);
    EXPECT_EQ(f.get_string("k"), "v");
    EXPECT_EQ(f.find_tensor("t")->n_bytes, 18u);
}

TEST(GgufWriter, WritesFilesAtomicallyThatOpen) {
    testing::TempDir dir;
    Writer w;
    ASSERT_TRUE(w.add("general.name", MetaValue::string("on disk")).ok());
    ASSERT_TRUE(w.add_tensor("w", {4}, GgmlType::kF32, bytes_of({1, 2, 3, 4})).ok());
    auto path = dir / "model.gguf";
    ASSERT_TRUE(w.write(path).ok());
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                            std::filesystem::directory_iterator()),
              1);  // no temporary left behind
    auto f = File::open(path);
    ASSERT_TRUE(f.has_value()) << f.error().to_string();
    EXPECT_EQ(f->name(), path.string());
    EXPECT_EQ(f->get_string("general.name"), "on disk");
    EXPECT_EQ(f->file_size(), w.serialize().size());
    EXPECT_EQ(f->tensor_data(*f->find_tensor("w")).size(), 16u);

    EXPECT_FALSE(w.write(dir / "no" / "such" / "dir.gguf").ok());
}

TEST(GgufWriter, RefusesWhatTheReaderWouldReject) {
    Writer w;
    ASSERT_TRUE(w.add("k", MetaValue::uint8(1)).ok());
    ASSERT_TRUE(w.add_tensor("t", {4}, GgmlType::kF32, pattern(16, 0)).ok());

    auto expect_invalid = [](const Status& s, const char* word) {
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
        EXPECT_NE(s.message().find(word), std::string::npos) << s.message();
    };
    expect_invalid(w.add("", MetaValue::uint8(1)), "empty");
    expect_invalid(w.add("k", MetaValue::uint8(2)), "duplicate");
    expect_invalid(w.add("general.alignment", MetaValue::uint32(64)), "set_alignment");
    expect_invalid(w.add("mixed", MetaValue::array(ValueType::kInt32,
                                                   {MetaValue::int32(1), MetaValue::uint8(2)})),
                   "element");
    MetaValue wide = MetaValue::uint8(0);
    wide.u = 256;
    expect_invalid(w.add("wide", wide), "fit");
    MetaValue bad_type = MetaValue::uint8(0);
    bad_type.type = static_cast<ValueType>(13);
    expect_invalid(w.add("bad", bad_type), "unknown value type");
    MetaValue deep = MetaValue::numbers(std::vector<int32_t>{1});
    for (int level = 0; level < 4; ++level) deep = MetaValue::array(ValueType::kArray, {deep});
    expect_invalid(w.add("deep", deep), "nested");

    expect_invalid(w.set_alignment(0), "power of two");
    expect_invalid(w.set_alignment(48), "power of two");
    expect_invalid(w.set_version(1), "version");
    expect_invalid(w.set_version(4), "version");

    expect_invalid(w.add_tensor("", {4}, GgmlType::kF32, pattern(16, 0)), "empty");
    expect_invalid(w.add_tensor("t", {4}, GgmlType::kF32, pattern(16, 0)), "duplicate");
    expect_invalid(w.add_tensor("u", {4}, GgmlType::kF32, pattern(15, 0)), "bytes");
    expect_invalid(w.add_tensor("u", {16}, GgmlType::kQ8_0, pattern(17, 0)), "block size");
    expect_invalid(w.add_tensor("u", {1, 1, 1, 1, 1}, GgmlType::kF32, pattern(4, 0)), "dimensions");
    expect_invalid(w.add_tensor("u", {1ull << 32, 1ull << 32}, GgmlType::kI8, ""), "overflow");
    expect_invalid(w.add_tensor("u", {4}, static_cast<GgmlType>(4), pattern(16, 0)),
                   "unknown ggml type");

    // Nothing refused was added.
    File f = read_back(w);
    EXPECT_EQ(f.metadata().size(), 1u);
    EXPECT_EQ(f.tensors().size(), 1u);
}

}  // namespace
}  // namespace openbook::gguf
