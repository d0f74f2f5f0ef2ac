// tokenizer_bench: how fast a model's tokenizer encodes a text file.
//
//   tokenizer_bench VOCAB.gguf TEXT_FILE [--runs N] [--ids OUT]
//
// Loads the vocabulary, encodes the whole file N times (no BOS, special tokens not parsed —
// the settings of llama.cpp's tokenizer tests, so the ids can be compared with its output) and
// prints one JSON line: bytes, tokens, the best time and MB/s and tokens/s of the best run (the
// machine is shared; the best run is the least disturbed), and the load time. --ids writes the
// ids of the last run, one per line.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "model/gguf/gguf_file.h"
#include "model/tokenizer/tokenizer.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace openbook;
    if (argc < 3) {
        std::fprintf(stderr, "usage: tokenizer_bench VOCAB.gguf TEXT_FILE [--runs N] [--ids OUT]\n");
        return 2;
    }
    int runs = 3;
    std::string ids_path;
    for (int i = 3; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
        if (flag == "--ids") ids_path = argv[i + 1];
    }

    std::ifstream in(argv[2], std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "tokenizer_bench: cannot read %s\n", argv[2]);
        return 1;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    const auto load_start = std::chrono::steady_clock::now();
    auto file = gguf::File::open(argv[1]);
    if (!file.has_value()) {
        std::fprintf(stderr, "tokenizer_bench: %s\n", file.error().to_string().c_str());
        return 1;
    }
    auto tokenizer = tokenizer::Tokenizer::create(*file);
    if (!tokenizer.has_value()) {
        std::fprintf(stderr, "tokenizer_bench: %s\n", tokenizer.error().to_string().c_str());
        return 1;
    }
    const double load_s = seconds_since(load_start);

    std::vector<tokenizer::TokenId> ids;
    double best = 1e30;
    for (int r = 0; r < runs; ++r) {
        const auto start = std::chrono::steady_clock::now();
        ids = tokenizer->encode(text, false, false);
        best = std::min(best, seconds_since(start));
    }
    if (!ids_path.empty()) {
        std::ofstream out(ids_path);
        for (auto id : ids) out << id << '\n';
    }
    std::printf(
        "{\"bytes\": %zu, \"tokens\": %zu, \"best_s\": %.6f, \"mb_per_s\": %.3f, "
        "\"tokens_per_s\": %.0f, \"load_s\": %.4f}\n",
        text.size(), ids.size(), best, text.size() / best / 1e6, ids.size() / best, load_s);
    return 0;
}
