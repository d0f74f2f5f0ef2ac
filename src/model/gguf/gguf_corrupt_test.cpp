// Files that lie: each case below damages one field of a valid image (or builds a tiny image by
// hand) and expects a clean error that names the file and the problem, never a crash.
#include "model/gguf/gguf_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "model/gguf/gguf_writer.h"
#include "support/test_support.h"

namespace openbook::gguf {
namespace {

constexpr uint64_t kHuge = 1ull << 63;

// A small valid image: five keys (one of them general.alignment), two tensors.
//   t0: F32 8x2, 64 bytes at data offset 0;  t1: Q8_0 32, 34 bytes at data offset 64.
std::string valid_image() {
    Writer w;
    EXPECT_TRUE(w.add("general.architecture", MetaValue::string("llama")).ok());
    EXPECT_TRUE(w.set_alignment(32).ok());
    EXPECT_TRUE(w.add("a.strs", MetaValue::strings({"x", "yy"})).ok());
    EXPECT_TRUE(w.add("a.u32", MetaValue::uint32(7)).ok());
    EXPECT_TRUE(w.add("a.u33", MetaValue::uint32(8)).ok());
    EXPECT_TRUE(w.add_tensor("t0", {8, 2}, GgmlType::kF32, std::string(64, '\1')).ok());
    EXPECT_TRUE(w.add_tensor("t1", {32}, GgmlType::kQ8_0, std::string(34, '\2')).ok());
    return w.serialize();
}

std::string gguf_string(std::string_view s) {
    uint64_t n = s.size();
    std::string out(reinterpret_cast<const char*>(&n), 8);
    return out.append(s);
}

// The byte just after the (length-prefixed) key or tensor name `s`: where its value type, or
// its n_dims, is.
size_t after(const std::string& image, std::string_view s) {
    size_t at = image.find(gguf_string(s));
    EXPECT_NE(at, std::string::npos) << s;
    return at + 8 + s.size();
}

void put_u32(std::string& image, size_t at, uint32_t v) { std::memcpy(&image[at], &v, 4); }
void put_u64(std::string& image, size_t at, uint64_t v) { std::memcpy(&image[at], &v, 8); }

// Offsets of tensor info fields, after the name: n_dims, dims, type, offset.
size_t dims_of(const std::string& image, std::string_view tensor) {
    return after(image, tensor) + 4;
}
size_t type_of(const std::string& image, std::string_view tensor, int n_dims) {
    return dims_of(image, tensor) + 8 * n_dims;
}
size_t offset_of(const std::string& image, std::string_view tensor, int n_dims) {
    return type_of(image, tensor, n_dims) + 4;
}

void expect_error(const Result<File>& r, StatusCode code, std::string_view name,
                  std::string_view word) {
    ASSERT_FALSE(r.has_value()) << "opened although " << word;
    Status s = r.error();
    EXPECT_EQ(s.code(), code) << s.to_string();
    EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(word), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("GGUF"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("(at byte "), std::string::npos) << s.message();
}

TEST(GgufCorrupt, TheBaseImageIsValid) {
    auto f = File::from_bytes(valid_image(), "corrupt.gguf");
    ASSERT_TRUE(f.has_value()) << f.error().to_string();
    EXPECT_EQ(f->tensors().size(), 2u);
    EXPECT_EQ(f->find_tensor("t1")->offset, 64u);
    EXPECT_EQ(f->file_size(), f->data_offset() + 128);
}

TEST(GgufCorrupt, DamagedFieldsGiveCleanErrors) {
    using Patch = std::function<void(std::string&)>;
    struct Case {
        const char* what;
        Patch patch;
        StatusCode code;
        const char* word;        // in the message: names the problem
        const char* where = "";  // in the message: the key or tensor, when there is one
    };
    const auto kC = StatusCode::kCorrupt;
    const auto kU = StatusCode::kUnsupported;
    const Case cases[] = {
        {"bad magic", [](std::string& b) { b[0] = 'X'; }, kC, "magic"},
        {"version 1", [](std::string& b) { put_u32(b, 4, 1); }, kU, "version 1"},
        {"version 4", [](std::string& b) { put_u32(b, 4, 4); }, kU, "version 4"},
        {"big-endian", [](std::string& b) { put_u32(b, 4, 0x03000000); }, kU, "big-endian"},
        {"huge tensor count", [](std::string& b) { put_u64(b, 8, kHuge); }, kC, "tensor count"},
        {"huge metadata count", [](std::string& b) { put_u64(b, 16, kHuge); }, kC,
         "metadata count"},
        {"string length past EOF",
         [](std::string& b) { put_u64(b, after(b, "general.architecture") + 4, 1000000); }, kC,
         "past the end", "general.architecture"},
        {"string length 2^64-1",
         [](std::string& b) { put_u64(b, after(b, "general.architecture") + 4, ~0ull); }, kC,
         "past the end", "general.architecture"},
        {"key length past EOF",
         [](std::string& b) { put_u64(b, after(b, "a.u32") - 13, 1ull << 40); }, kC, "key length"},
        {"string array count 2^60",
         [](std::string& b) { put_u64(b, after(b, "a.strs") + 8, 1ull << 60); }, kC, "array",
         "a.strs"},
        {"unknown value type", [](std::string& b) { put_u32(b, after(b, "a.u32"), 13); }, kC,
         "unknown value type 13", "a.u32"},
        {"unknown array element type",
         [](std::string& b) { put_u32(b, after(b, "a.strs") + 4, 99); }, kC,
         "unknown value type 99", "a.strs"},
        {"alignment 0", [](std::string& b) { put_u32(b, after(b, "general.alignment") + 4, 0); },
         kC, "power of two", "general.alignment"},
        {"alignment 3", [](std::string& b) { put_u32(b, after(b, "general.alignment") + 4, 3); },
         kC, "power of two", "general.alignment"},
        {"alignment not uint32",
         [](std::string& b) { put_u32(b, after(b, "general.alignment"), 5); }, kC, "uint32",
         "general.alignment"},
        {"duplicate key", [](std::string& b) { b[after(b, "a.u33") - 1] = '2'; }, kC,
         "duplicate key", "a.u32"},
        {"duplicate tensor name", [](std::string& b) { b[after(b, "t1") - 1] = '0'; }, kC,
         "duplicate tensor name", "t0"},
        {"n_dims 5", [](std::string& b) { put_u32(b, after(b, "t0"), 5); }, kC, "5 dimensions",
         "t0"},
        {"n_dims 2^32-1", [](std::string& b) { put_u32(b, after(b, "t0"), ~0u); }, kC, "dimensions",
         "t0"},
        {"dims product overflow",
         [](std::string& b) {
             put_u64(b, dims_of(b, "t0"), 1ull << 32);
             put_u64(b, dims_of(b, "t0") + 8, 1ull << 32);
         },
         kC, "overflow", "t0"},
        {"dimension above 2^63-1", [](std::string& b) { put_u64(b, dims_of(b, "t0"), kHuge); }, kC,
         "overflow", "t0"},
        {"byte size overflow",
         [](std::string& b) {
             put_u64(b, dims_of(b, "t0"), 1ull << 31);
             put_u64(b, dims_of(b, "t0") + 8, 1ull << 31);
         },
         kC, "overflow", "t0"},
        {"huge tensor past EOF",
         [](std::string& b) {
             put_u64(b, dims_of(b, "t0"), 1ull << 20);
             put_u64(b, dims_of(b, "t0") + 8, 1ull << 20);
         },
         kC, "past the end", "t0"},
        {"row not a multiple of the block",
         [](std::string& b) { put_u64(b, dims_of(b, "t1"), 16); }, kC, "block size", "t1"},
        {"unknown ggml type 4", [](std::string& b) { put_u32(b, type_of(b, "t0", 2), 4); }, kU,
         "unknown ggml type 4", "t0"},
        {"unknown ggml type 1000", [](std::string& b) { put_u32(b, type_of(b, "t1", 1), 1000); },
         kU, "unknown ggml type 1000", "t1"},
        {"offset past EOF", [](std::string& b) { put_u64(b, offset_of(b, "t1", 1), 1 << 20); }, kC,
         "past the end", "t1"},
        {"offset 2^64-32", [](std::string& b) { put_u64(b, offset_of(b, "t1", 1), ~0ull - 31); },
         kC, "past the end", "t1"},
        {"data crossing EOF", [](std::string& b) { put_u64(b, offset_of(b, "t1", 1), 96); }, kC,
         "past the end", "t1"},
        {"overlapping tensors", [](std::string& b) { put_u64(b, offset_of(b, "t1", 1), 32); }, kC,
         "overlaps tensor 't0'", "t1"},
        {"tensors at the same offset", [](std::string& b) { put_u64(b, offset_of(b, "t1", 1), 0); },
         kC, "overlaps"},
        {"misaligned offset", [](std::string& b) { put_u64(b, offset_of(b, "t1", 1), 65); }, kC,
         "not a multiple of the alignment", "t1"},
    };
    const std::string base = valid_image();
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        std::string image = base;
        c.patch(image);
        auto r = File::from_bytes(image, "corrupt.gguf");
        expect_error(r, c.code, "corrupt.gguf", c.word);
        if (!r.has_value()) {
            EXPECT_NE(r.error().message().find(c.where), std::string::npos);
        }
    }
}

// Every prefix of a valid image fails cleanly until the last tensor's data is complete; the
// padding after it is optional.
TEST(GgufCorrupt, EveryTruncationFailsCleanly) {
    const std::string image = valid_image();
    auto full = File::from_bytes(image, "cut.gguf");
    ASSERT_TRUE(full.has_value());
    const TensorInfo& last = *full->find_tensor("t1");
    const uint64_t needed = full->data_offset() + last.offset + last.n_bytes;
    for (size_t n = 0; n < image.size(); ++n) {
        auto r = File::from_bytes(image.substr(0, n), "cut.gguf");
        if (n >= needed) {
            EXPECT_TRUE(r.has_value()) << n << ": " << r.error().to_string();
            continue;
        }
        ASSERT_FALSE(r.has_value()) << "prefix " << n << " opened";
        EXPECT_EQ(r.error().code(), StatusCode::kCorrupt) << n;
        std::string m = r.error().message();
        EXPECT_NE(m.find("cut.gguf: GGUF "), std::string::npos) << m;
        EXPECT_TRUE(m.find("truncated") != std::string::npos ||
                    m.find("past the end") != std::string::npos ||
                    m.find("cannot fit") != std::string::npos)
            << m;
    }
}

// Images built by hand, for what a patch of the valid image cannot express.
struct Image {
    std::string bytes;
    Image& u32(uint32_t v) { return raw(&v, 4); }
    Image& u64(uint64_t v) { return raw(&v, 8); }
    Image& str(std::string_view s) { return u64(s.size()).raw(s.data(), s.size()); }
    Image& header(uint64_t n_tensors, uint64_t n_kv) {
        bytes += "GGUF";
        return u32(3).u64(n_tensors).u64(n_kv);
    }
    Image& raw(const void* p, size_t n) {
        bytes.append(static_cast<const char*>(p), n);
        return *this;
    }
};

TEST(GgufCorrupt, HandBuiltImagesGiveCleanErrors) {
    auto parse = [](const Image& image) { return File::from_bytes(image.bytes, "hand.gguf"); };
    const auto kC = StatusCode::kCorrupt;

    expect_error(parse(Image{}), kC, "hand.gguf", "truncated");
    expect_error(parse(Image{"GGUF"}), kC, "hand.gguf", "truncated");
    expect_error(parse(Image{}.header(0, 1).str("").u32(4).u32(7)), kC, "hand.gguf",
                 "key 0 is empty");

    // Arrays nested five deep: one more than allowed.
    Image deep;
    deep.header(0, 1).str("deep").u32(9);
    for (int level = 0; level < 4; ++level) deep.u32(9).u64(1);
    deep.u32(4).u64(1).u32(42);
    expect_error(parse(deep), kC, "hand.gguf", "nested deeper");
    // Four deep is fine.
    Image four;
    four.header(0, 1).str("deep").u32(9);
    for (int level = 0; level < 3; ++level) four.u32(9).u64(1);
    four.u32(4).u64(1).u32(42);
    EXPECT_TRUE(parse(four).has_value());

    // A count of nested arrays far beyond what the bytes can hold.
    expect_error(parse(Image{}.header(0, 1).str("k").u32(9).u32(9).u64(1ull << 60)), kC,
                 "hand.gguf", "array of 1152921504606846976 array elements");
    // A fixed-size array whose element bytes overflow 64 bits.
    expect_error(parse(Image{}.header(0, 1).str("k").u32(9).u32(10).u64(~0ull)), kC, "hand.gguf",
                 "past the end");
    // A key repeated with the same value is read once; with another value it is an error.
    auto repeated = [](uint32_t second) {
        return Image{}
            .header(0, 3)
            .str("k")
            .u32(4)
            .u32(1)
            .str("x")
            .u32(8)
            .str("s")
            .str("k")
            .u32(4)
            .u32(second);
    };
    auto same = parse(repeated(1));
    ASSERT_TRUE(same.has_value()) << same.error().to_string();
    EXPECT_EQ(same->metadata().size(), 2u);
    EXPECT_EQ(same->get_uint("k"), 1u);
    expect_error(parse(repeated(2)), kC, "hand.gguf", "duplicate key with a different value");

    // A nested array whose elements are cut short.
    expect_error(parse(Image{}.header(0, 1).str("k").u32(9).u32(9).u64(1).u32(6).u64(2).u32(0)), kC,
                 "hand.gguf", "array of 2 float32 elements runs past the end");
    // A tensor count the bytes after the header could hold, but not those after the metadata.
    expect_error(parse(Image{}.header(2, 1).str("k").u32(8).str(std::string(40, 's')).str("t")), kC,
                 "hand.gguf", "tensor count 2 cannot fit in the 9 bytes left");
}

TEST(GgufCorrupt, OpenNamesThePath) {
    testing::TempDir dir;
    std::string image = valid_image();
    put_u32(image, type_of(image, "t0", 2), 77);
    auto path = dir / "broken model.gguf";
    testing::write_file(path, image);
    expect_error(File::open(path), StatusCode::kUnsupported, path.string(), "unknown ggml type");

    auto missing = File::open(dir / "absent.gguf");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
    EXPECT_NE(missing.error().message().find("absent.gguf"), std::string::npos);
}

}  // namespace
}  // namespace openbook::gguf
