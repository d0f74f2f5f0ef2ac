#include "model/arch/causal_lm.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

namespace openbook::arch {
namespace {

// Element-wise work per token row is cheap; a few rows per chunk keep the job count low.
constexpr int64_t kRowGrain = 8;

const float* or_null(std::span<const float> s) { return s.empty() ? nullptr : s.data(); }

void add_bias_rows(float* y, std::span<const float> bias, int64_t n_rows, int64_t width) {
    if (bias.empty()) return;
    for (int64_t t = 0; t < n_rows; ++t) add_in_place(y + t * width, bias.data(), width);
}

}  // namespace

CausalLm::CausalLm(CausalLmConfig config, CausalLmWeights weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
    shape_.n_head = config_.n_head;
    shape_.n_head_kv = config_.n_head_kv;
    shape_.head_dim = config_.head_dim;
    shape_.scale = 1.0f / std::sqrt(static_cast<float>(config_.head_dim));
}

std::unique_ptr<CausalLmWorkspace> CausalLm::make_workspace(int64_t max_batch, int64_t max_context,
                                                            int threads) const {
    const CausalLmConfig& c = config_;
    auto ws = std::make_unique<CausalLmWorkspace>();
    ws->max_batch = max_batch;
    ws->max_context = max_context;
    const auto rows = [&](int64_t width) { return static_cast<size_t>(max_batch * width); };
    const int64_t q_width = c.n_head * c.head_dim;
    const int64_t kv_width = c.n_head_kv * c.head_dim;
    ws->x.resize(rows(c.n_embd));
    ws->xn.resize(rows(c.n_embd));
    ws->q.resize(rows(q_width));
    ws->k.resize(rows(kv_width));
    ws->v.resize(rows(kv_width));
    ws->attn.resize(rows(q_width));
    ws->gate.resize(rows(c.n_ff));
    ws->up.resize(rows(c.n_ff));
    ws->angles.resize(rows(std::max<int64_t>(c.rope.n_rot, 2)));
    ws->activations.reserve(max_batch, std::max({c.n_embd, c.n_ff, q_width}));
    ws->attention.reserve(shape_, max_context, threads);
    return ws;
}

void CausalLm::forward(std::span<const tokenizer::TokenId> tokens, int64_t pos0, int64_t n_out,
                       std::span<const KvLayer> kv, CausalLmWorkspace& ws, core::ThreadPool& pool,
                       float* logits) const {
    const CausalLmConfig& c = config_;
    const int64_t n = static_cast<int64_t>(tokens.size());
    const int64_t n_embd = c.n_embd;
    const int64_t hd = c.head_dim;
    const int64_t q_width = c.n_head * hd;
    const int64_t kv_width = c.n_head_kv * hd;
    const int64_t n_rot = c.rope.n_rot;
    float* x = ws.x.data();
    float* xn = ws.xn.data();
    // The caller (runtime::Decoder) checks these against user input before calling.
    assert(n >= 1 && n <= ws.max_batch && n_out >= 0 && n_out <= n);
    assert(static_cast<int64_t>(kv.size()) == c.n_layer && pos0 + n <= kv[0].capacity);

    // Token embeddings (rows of token_embd converted to floats) and the rotation angles of
    // each position, shared by every layer and head.
    const Weight& embd = weights_.token_embd;
    pool.parallel_for(
        n,
        [&](int64_t begin, int64_t end) {
            for (int64_t t = begin; t < end; ++t) {
                embd.ops->to_float(embd.row(tokens[static_cast<size_t>(t)]), x + t * n_embd,
                                   n_embd);
                rope_angles(c.rope, pos0 + t, ws.angles.data() + t * n_rot);
            }
        },
        kRowGrain);

    int64_t rows = n;  // token rows still carried in x
    for (int64_t il = 0; il < c.n_layer; ++il) {
        const CausalLmLayer& L = weights_.layers[static_cast<size_t>(il)];
        const bool last = il == c.n_layer - 1;
        // In the last layer only the tokens that get logits need queries and what follows.
        const int64_t q0 = last ? n - n_out : 0;
        const int64_t nq = n - q0;

        pool.parallel_for(
            n,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    rms_norm(x + t * n_embd, L.attn_norm.data(), n_embd, c.norm_eps,
                             xn + t * n_embd);
                }
            },
            kRowGrain);

        // Q, K, V from one conversion of the normed input when the weight types allow it.
        const gguf::GgmlType act = L.wq.ops->activation_type;
        if (L.wk.ops->activation_type == act && L.wv.ops->activation_type == act) {
            const ActivationRows xa = convert_activations(pool, act, xn, n, n_embd, ws.activations);
            if (q0 == 0) {
                matmul(pool, xa,
                       {MatmulTask{&L.wq, ws.q.data()}, MatmulTask{&L.wk, ws.k.data()},
                        MatmulTask{&L.wv, ws.v.data()}});
            } else {
                matmul(pool, xa, {MatmulTask{&L.wk, ws.k.data()}, MatmulTask{&L.wv, ws.v.data()}});
                ActivationRows tail = xa;
                tail.data += static_cast<size_t>(q0) * xa.row_bytes;
                tail.n_tokens = nq;
                matmul(pool, tail, {MatmulTask{&L.wq, ws.q.data()}});
            }
        } else {
            linear(pool, L.wq, xn + q0 * n_embd, nq, ws.q.data(), ws.activations);
            linear(pool, L.wk, xn, n, ws.k.data(), ws.activations);
            linear(pool, L.wv, xn, n, ws.v.data(), ws.activations);
        }

        // Biases, per-head norms and RoPE, per token.
        pool.parallel_for(
            n,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    const float* angles = ws.angles.data() + t * n_rot;
                    float* k = ws.k.data() + t * kv_width;
                    add_bias_rows(k, L.bk, 1, kv_width);
                    add_bias_rows(ws.v.data() + t * kv_width, L.bv, 1, kv_width);
                    for (int64_t h = 0; h < c.n_head_kv; ++h) {
                        if (!L.k_norm.empty()) {
                            rms_norm(k + h * hd, L.k_norm.data(), hd, c.norm_eps, k + h * hd);
                        }
                        rope_apply(c.rope, angles, k + h * hd);
                    }
                    if (t < q0) continue;
                    float* q = ws.q.data() + (t - q0) * q_width;
                    add_bias_rows(q, L.bq, 1, q_width);
                    for (int64_t h = 0; h < c.n_head; ++h) {
                        if (!L.q_norm.empty()) {
                            rms_norm(q + h * hd, L.q_norm.data(), hd, c.norm_eps, q + h * hd);
                        }
                        rope_apply(c.rope, angles, q + h * hd);
                    }
                }
            },
            kRowGrain);

        const KvLayer& cache = kv[static_cast<size_t>(il)];
        kv_store(cache, shape_, ws.k.data(), ws.v.data(), n, pos0);
        if (nq == 0) return;  // only the cache was wanted
        attention(pool, cache, shape_, ws.q.data(), nq, pos0 + q0, pos0 + n, /*causal=*/true,
                  ws.attn.data(), ws.attention);

        // Output projection into xn (free now), then the residual. The last layer drops the
        // rows without logits here: row q0 + t moves to row t, in order, on one thread (rows
        // would otherwise be overwritten before another thread reads them).
        linear(pool, L.wo, ws.attn.data(), nq, xn, ws.activations);
        pool.parallel_for(
            nq,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    float* o = xn + t * n_embd;
                    add_bias_rows(o, L.bo, 1, n_embd);
                    const float* residual = x + (q0 + t) * n_embd;
                    float* dst = x + t * n_embd;
                    for (int64_t i = 0; i < n_embd; ++i) dst[i] = o[i] + residual[i];
                }
            },
            q0 > 0 ? nq : kRowGrain);
        rows = nq;

        // Feed-forward.
        pool.parallel_for(
            rows,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    rms_norm(x + t * n_embd, L.ffn_norm.data(), n_embd, c.norm_eps,
                             xn + t * n_embd);
                }
            },
            kRowGrain);
        if (L.ffn_gate.ops->activation_type == L.ffn_up.ops->activation_type) {
            const ActivationRows xa = convert_activations(pool, L.ffn_up.ops->activation_type, xn,
                                                          rows, n_embd, ws.activations);
            matmul(pool, xa,
                   {MatmulTask{&L.ffn_gate, ws.gate.data()}, MatmulTask{&L.ffn_up, ws.up.data()}});
        } else {
            linear(pool, L.ffn_gate, xn, rows, ws.gate.data(), ws.activations);
            linear(pool, L.ffn_up, xn, rows, ws.up.data(), ws.activations);
        }
        pool.parallel_for(
            rows,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    float* g = ws.gate.data() + t * c.n_ff;
                    float* u = ws.up.data() + t * c.n_ff;
                    add_bias_rows(u, L.ffn_up_b, 1, c.n_ff);
                    add_bias_rows(g, L.ffn_gate_b, 1, c.n_ff);
                    silu_mul(g, u, c.n_ff);
                }
            },
            kRowGrain);
        linear(pool, L.ffn_down, ws.gate.data(), rows, xn, ws.activations);
        pool.parallel_for(
            rows,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    float* o = xn + t * n_embd;
                    add_bias_rows(o, L.ffn_down_b, 1, n_embd);
                    float* dst = x + t * n_embd;
                    for (int64_t i = 0; i < n_embd; ++i) dst[i] = o[i] + dst[i];
                }
            },
            kRowGrain);
    }

    // rows == n_out here: the last layer kept only those.
    pool.parallel_for(
        rows,
        [&](int64_t begin, int64_t end) {
            for (int64_t t = begin; t < end; ++t) {
                rms_norm(x + t * n_embd, or_null(weights_.output_norm), n_embd, c.norm_eps,
                         xn + t * n_embd);
            }
        },
        kRowGrain);
    linear(pool, weights_.output, xn, rows, logits, ws.activations);
}

}  // namespace openbook::arch
