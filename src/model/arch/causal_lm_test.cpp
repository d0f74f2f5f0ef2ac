// The decoder layer math against a plain double-precision transformer written from the formulas
// (independent of ops.cpp, attention.cpp and matmul.cpp), on random F32 models of each
// architecture — qwen3 has no llama.cpp fixture, so this is its reference — plus the invariants
// the runtime relies on: results do not depend on how a sequence is split into batches, on the
// thread count, or on how many positions get logits.

#include "model/arch/causal_lm.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/arch/architectures.h"
#include "model/arch/synthetic_model.h"
#include "model/gguf/gguf_writer.h"

namespace openbook::arch {
namespace {

using tokenizer::TokenId;

struct Loaded {
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<CausalLm> model;
};

Loaded build(const SyntheticModel& spec) {
    gguf::Writer writer;
    EXPECT_TRUE(add_synthetic_model(writer, spec).ok());
    auto file = gguf::File::from_bytes(writer.serialize(), "synthetic.gguf");
    EXPECT_TRUE(file.has_value()) << file.error().to_string();
    Loaded out;
    out.file = std::make_unique<gguf::File>(std::move(*file));
    auto model = load_causal_lm(*out.file);
    EXPECT_TRUE(model.has_value()) << model.error().to_string();
    if (model.has_value()) out.model = std::move(*model);
    return out;
}

// ---- the double-precision reference ----

class Reference {
public:
    Reference(const gguf::File& file, const SyntheticModel& spec) : file_(file), s_(spec) {
        hd_ = spec.head_dim > 0 ? spec.head_dim : spec.n_embd / spec.n_head;
    }

    // n × n_vocab logits for tokens at positions 0..n-1.
    std::vector<double> logits(const std::vector<TokenId>& tokens) const {
        const int64_t n = static_cast<int64_t>(tokens.size()), d = s_.n_embd;
        std::vector<std::vector<double>> x(static_cast<size_t>(n));
        const std::vector<float> embd = f32("token_embd.weight");
        for (int64_t t = 0; t < n; ++t) {
            const float* row = embd.data() + tokens[static_cast<size_t>(t)] * d;
            x[static_cast<size_t>(t)].assign(row, row + d);
        }
        for (int64_t il = 0; il < s_.n_layer; ++il) layer(il, x);
        const std::string out_name = s_.tied ? "token_embd.weight" : "output.weight";
        std::vector<double> result;
        for (auto& row : x) {
            const auto normed = rms_norm(row, f32("output_norm.weight"));
            const auto l = matvec(out_name, normed);
            result.insert(result.end(), l.begin(), l.end());
        }
        return result;
    }

private:
    std::vector<float> f32(const std::string& name) const {
        const gguf::TensorInfo* info = file_.find_tensor(name);
        EXPECT_NE(info, nullptr) << name;
        const auto bytes = file_.tensor_data(*info);
        std::vector<float> out(bytes.size() / 4);
        std::memcpy(out.data(), bytes.data(), bytes.size());
        return out;
    }
    bool has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

    std::vector<double> matvec(const std::string& name, const std::vector<double>& x) const {
        const std::vector<float> w = f32(name);
        const size_t cols = x.size(), rows = w.size() / cols;
        std::vector<double> y(rows, 0.0);
        for (size_t r = 0; r < rows; ++r) {
            for (size_t c = 0; c < cols; ++c) y[r] += static_cast<double>(w[r * cols + c]) * x[c];
        }
        if (has(bias_name(name))) {
            const std::vector<float> b = f32(bias_name(name));
            for (size_t r = 0; r < rows; ++r) y[r] += b[r];
        }
        return y;
    }
    static std::string bias_name(const std::string& weight) {
        return weight.substr(0, weight.size() - 6) + "bias";
    }

    double eps() const { return s_.architecture == "llama" ? 1e-5 : 1e-6; }

    std::vector<double> rms_norm(const std::vector<double>& x, const std::vector<float>& w) const {
        double ss = 0;
        for (double v : x) ss += v * v;
        const double scale = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps());
        std::vector<double> y(x.size());
        for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * scale * w[i];
        return y;
    }

    void rope(double* head, int64_t pos) const {
        const double base = s_.architecture == "llama" ? 10000.0 : 1000000.0;
        const bool neox = s_.architecture != "llama";
        std::vector<float> ff;
        if (has("rope_freqs.weight")) ff = f32("rope_freqs.weight");
        for (int64_t i = 0; i < hd_ / 2; ++i) {
            double theta = static_cast<double>(pos) *
                           std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(hd_));
            if (!ff.empty()) theta /= ff[static_cast<size_t>(i)];
            const int64_t a = neox ? i : 2 * i, b = neox ? i + hd_ / 2 : 2 * i + 1;
            const double x0 = head[a], x1 = head[b];
            head[a] = x0 * std::cos(theta) - x1 * std::sin(theta);
            head[b] = x0 * std::sin(theta) + x1 * std::cos(theta);
        }
    }

    void layer(int64_t il, std::vector<std::vector<double>>& x) const {
        const std::string p = "blk." + std::to_string(il) + ".";
        const int64_t n = static_cast<int64_t>(x.size());
        std::vector<std::vector<double>> q(x.size()), k(x.size()), v(x.size());
        for (int64_t t = 0; t < n; ++t) {
            const auto xn = rms_norm(x[static_cast<size_t>(t)], f32(p + "attn_norm.weight"));
            q[static_cast<size_t>(t)] = matvec(p + "attn_q.weight", xn);
            k[static_cast<size_t>(t)] = matvec(p + "attn_k.weight", xn);
            v[static_cast<size_t>(t)] = matvec(p + "attn_v.weight", xn);
            for (int64_t h = 0; h < s_.n_head; ++h) {
                double* head = q[static_cast<size_t>(t)].data() + h * hd_;
                if (has(p + "attn_q_norm.weight")) norm_head(head, f32(p + "attn_q_norm.weight"));
                rope(head, t);
            }
            for (int64_t h = 0; h < s_.n_head_kv; ++h) {
                double* head = k[static_cast<size_t>(t)].data() + h * hd_;
                if (has(p + "attn_k_norm.weight")) norm_head(head, f32(p + "attn_k_norm.weight"));
                rope(head, t);
            }
        }
        const int64_t group = s_.n_head / s_.n_head_kv;
        for (int64_t t = 0; t < n; ++t) {
            std::vector<double> attn(static_cast<size_t>(s_.n_head * hd_), 0.0);
            for (int64_t h = 0; h < s_.n_head; ++h) {
                const int64_t g = h / group;
                std::vector<double> s(static_cast<size_t>(t + 1));
                double max = -1e300;
                for (int64_t j = 0; j <= t; ++j) {
                    double dot = 0;
                    for (int64_t e = 0; e < hd_; ++e) {
                        dot += q[static_cast<size_t>(t)][h * hd_ + e] *
                               k[static_cast<size_t>(j)][g * hd_ + e];
                    }
                    s[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(hd_));
                    max = std::max(max, s[static_cast<size_t>(j)]);
                }
                double sum = 0;
                for (double& e : s) sum += (e = std::exp(e - max));
                for (int64_t j = 0; j <= t; ++j) {
                    for (int64_t e = 0; e < hd_; ++e) {
                        attn[h * hd_ + e] += s[static_cast<size_t>(j)] / sum *
                                             v[static_cast<size_t>(j)][g * hd_ + e];
                    }
                }
            }
            const auto o = matvec(p + "attn_output.weight", attn);
            auto& row = x[static_cast<size_t>(t)];
            for (size_t i = 0; i < row.size(); ++i) row[i] += o[i];
            const auto m = rms_norm(row, f32(p + "ffn_norm.weight"));
            auto gate = matvec(p + "ffn_gate.weight", m);
            const auto up = matvec(p + "ffn_up.weight", m);
            for (size_t i = 0; i < gate.size(); ++i)
                gate[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
            const auto down = matvec(p + "ffn_down.weight", gate);
            for (size_t i = 0; i < row.size(); ++i) row[i] += down[i];
        }
    }

    void norm_head(double* head, const std::vector<float>& w) const {
        std::vector<double> h(head, head + hd_);
        const auto y = rms_norm(h, w);
        std::copy(y.begin(), y.end(), head);
    }

    const gguf::File& file_;
    SyntheticModel s_;
    int64_t hd_ = 0;
};

// ---- running the engine ----

struct Cache {
    std::vector<float> k, v;
    std::vector<KvLayer> layers;
};

Cache make_cache(const CausalLmConfig& c, int64_t capacity) {
    Cache cache;
    const size_t per_layer = static_cast<size_t>(c.n_head_kv * c.head_dim * capacity);
    cache.k.resize(per_layer * static_cast<size_t>(c.n_layer));
    cache.v.resize(per_layer * static_cast<size_t>(c.n_layer));
    for (int64_t il = 0; il < c.n_layer; ++il) {
        cache.layers.push_back({gguf::GgmlType::kF32, cache.k.data() + il * per_layer,
                                cache.v.data() + il * per_layer, capacity});
    }
    return cache;
}

// All logits of `tokens`, fed in batches of `batch` tokens on `threads` threads.
std::vector<float> run(const CausalLm& model, const std::vector<TokenId>& tokens, int64_t batch,
                       int threads) {
    const CausalLmConfig& c = model.config();
    const int64_t n = static_cast<int64_t>(tokens.size());
    Cache cache = make_cache(c, n);
    core::ThreadPool pool(threads);
    auto ws = model.make_workspace(batch, n, pool.size());
    std::vector<float> logits(static_cast<size_t>(n * c.n_vocab));
    for (int64_t b0 = 0; b0 < n; b0 += batch) {
        const int64_t nb = std::min(batch, n - b0);
        model.forward(std::span<const TokenId>(tokens).subspan(static_cast<size_t>(b0),
                                                               static_cast<size_t>(nb)),
                      b0, nb, cache.layers, *ws, pool, logits.data() + b0 * c.n_vocab);
    }
    return logits;
}

std::vector<TokenId> some_tokens(int64_t n, int64_t vocab) {
    std::vector<TokenId> t;
    for (int64_t i = 0; i < n; ++i) t.push_back(static_cast<TokenId>((i * 37 + 11) % vocab));
    return t;
}

class CausalLmReference : public ::testing::TestWithParam<std::string> {};

SyntheticModel spec_for(const std::string& arch) {
    SyntheticModel s;
    s.architecture = arch;
    s.n_vocab = 96;
    s.n_embd = 64;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.n_ff = 96;
    if (arch == "llama") {
        s.tied = false;
        s.rope_freqs = true;
    }
    if (arch == "qwen3") s.head_dim = 32;  // not n_embd / n_head, as in real Qwen3
    return s;
}

TEST_P(CausalLmReference, MatchesADoublePrecisionTransformer) {
    const SyntheticModel spec = spec_for(GetParam());
    Loaded m = build(spec);
    ASSERT_NE(m.model, nullptr);
    const std::vector<TokenId> tokens = some_tokens(13, spec.n_vocab);
    const std::vector<float> ours = run(*m.model, tokens, 13, 2);
    const std::vector<double> ref = Reference(*m.file, spec).logits(tokens);
    ASSERT_EQ(ours.size(), ref.size());
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::fabs(ours[i] - ref[i]));
    EXPECT_LE(worst, 1e-4) << GetParam();
}

TEST_P(CausalLmReference, BatchSplitsAndThreadsDoNotChangeTheResult) {
    const SyntheticModel spec = spec_for(GetParam());
    Loaded m = build(spec);
    ASSERT_NE(m.model, nullptr);
    const std::vector<TokenId> tokens = some_tokens(21, spec.n_vocab);
    const std::vector<float> one_batch = run(*m.model, tokens, 21, 1);
    EXPECT_EQ(run(*m.model, tokens, 1, 1), one_batch);
    EXPECT_EQ(run(*m.model, tokens, 5, 2), one_batch);
    EXPECT_EQ(run(*m.model, tokens, 21, 3), one_batch);
}

INSTANTIATE_TEST_SUITE_P(Architectures, CausalLmReference,
                         ::testing::Values("llama", "qwen2", "qwen3"));

TEST(CausalLm, LogitsForTheLastTokensOnlyOrNone) {
    const SyntheticModel spec = spec_for("qwen2");
    Loaded m = build(spec);
    ASSERT_NE(m.model, nullptr);
    const CausalLmConfig& c = m.model->config();
    const std::vector<TokenId> tokens = some_tokens(9, spec.n_vocab);
    const std::vector<float> all = run(*m.model, tokens, 9, 2);

    core::ThreadPool pool(2);
    for (int64_t n_out : {0, 1, 3}) {
        Cache cache = make_cache(c, 16);
        auto ws = m.model->make_workspace(9, 16, pool.size());
        std::vector<float> logits(static_cast<size_t>(3 * c.n_vocab), -1.0f);
        m.model->forward(tokens, 0, n_out, cache.layers, *ws, pool, logits.data());
        for (int64_t r = 0; r < n_out; ++r) {
            const size_t src = static_cast<size_t>((9 - n_out + r) * c.n_vocab);
            for (int64_t i = 0; i < c.n_vocab; ++i) {
                ASSERT_EQ(logits[static_cast<size_t>(r * c.n_vocab + i)],
                          all[src + static_cast<size_t>(i)]);
            }
        }
        // Whatever the outputs, the cache is filled: the next token sees the same past.
        const TokenId next = 5;
        std::vector<float> after(static_cast<size_t>(c.n_vocab));
        m.model->forward(std::span<const TokenId>(&next, 1), 9, 1, cache.layers, *ws, pool,
                         after.data());
        std::vector<TokenId> longer = tokens;
        longer.push_back(next);
        const std::vector<float> full = run(*m.model, longer, 10, 1);
        for (int64_t i = 0; i < c.n_vocab; ++i) {
            ASSERT_EQ(after[static_cast<size_t>(i)], full[static_cast<size_t>(9 * c.n_vocab + i)]);
        }
    }
}

}  // namespace
}  // namespace openbook::arch
