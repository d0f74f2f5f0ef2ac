#include "model/arch/bert.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "model/arch/metadata.h"
#include "model/arch/ops.h"

namespace openbook::arch {
namespace {

constexpr int64_t kRowGrain = 8;

std::string layer_name(int64_t il, const char* what) {
    return "blk." + std::to_string(il) + "." + what;
}

void add_rows(float* y, std::span<const float> bias, int64_t n_rows, int64_t width) {
    for (int64_t t = 0; t < n_rows; ++t) add_in_place(y + t * width, bias.data(), width);
}

}  // namespace

Result<std::unique_ptr<BertModel>> load_bert(const gguf::File& file) {
    const Metadata m(file, "bert");
    BertConfig c;
    OPENBOOK_ASSIGN_OR_RETURN(c.n_positions, m.count("context_length"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_embd, m.count("embedding_length"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_layer, m.count("block_count"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_ff, m.count("feed_forward_length"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_head, m.count("attention.head_count"));
    OPENBOOK_ASSIGN_OR_RETURN(c.n_head_kv, m.count_or("attention.head_count_kv", c.n_head));
    if (c.n_embd % c.n_head != 0 || c.n_head % c.n_head_kv != 0) {
        return Status::corrupt(file.name() + ": bert head counts " + std::to_string(c.n_head) +
                               "/" + std::to_string(c.n_head_kv) +
                               " do not divide the embedding size " + std::to_string(c.n_embd));
    }
    c.head_dim = c.n_embd / c.n_head;
    OPENBOOK_ASSIGN_OR_RETURN(c.norm_eps, m.real("attention.layer_norm_epsilon"));
    OPENBOOK_ASSIGN_OR_RETURN(const bool causal, m.flag("attention.causal", false));
    if (causal) {
        return Status::unsupported(file.name() + ": causal bert models are not supported");
    }
    if (const gguf::Value* pooling = file.find("bert.pooling_type"); pooling != nullptr) {
        const auto p = pooling->as_uint();
        if (!p || *p > 4) {
            return Status::corrupt(file.name() + ": bert.pooling_type is not in 0..4");
        }
        c.pooling = static_cast<Pooling>(*p);
    }

    TensorLoader t(file, "bert");
    BertWeights w;
    c.n_vocab = t.rows_of("token_embd.weight");
    if (c.n_vocab < 1) {
        return Status::corrupt(file.name() + ": tensor 'token_embd.weight' is missing or not 2-D");
    }
    OPENBOOK_ASSIGN_OR_RETURN(w.token_embd,
                              t.table("token_embd.weight", c.n_embd, c.n_vocab, false));
    const int64_t n_types = std::max<int64_t>(t.rows_of("token_types.weight"), 1);
    OPENBOOK_ASSIGN_OR_RETURN(w.token_types,
                              t.table("token_types.weight", c.n_embd, n_types, false));
    OPENBOOK_ASSIGN_OR_RETURN(w.position_embd,
                              t.table("position_embd.weight", c.n_embd, c.n_positions, false));
    OPENBOOK_ASSIGN_OR_RETURN(w.embd_norm, t.vector("token_embd_norm.weight", c.n_embd));
    OPENBOOK_ASSIGN_OR_RETURN(w.embd_norm_b, t.vector("token_embd_norm.bias", c.n_embd));
    const int64_t kv_width = c.n_head_kv * c.head_dim;
    for (int64_t il = 0; il < c.n_layer; ++il) {
        BertLayer L;
        const auto name = [&](const char* what) { return layer_name(il, what); };
        OPENBOOK_ASSIGN_OR_RETURN(L.wq, t.matrix(name("attn_q.weight"), c.n_embd, c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.bq, t.vector(name("attn_q.bias"), c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.wk, t.matrix(name("attn_k.weight"), c.n_embd, kv_width));
        OPENBOOK_ASSIGN_OR_RETURN(L.bk, t.vector(name("attn_k.bias"), kv_width));
        OPENBOOK_ASSIGN_OR_RETURN(L.wv, t.matrix(name("attn_v.weight"), c.n_embd, kv_width));
        OPENBOOK_ASSIGN_OR_RETURN(L.bv, t.vector(name("attn_v.bias"), kv_width));
        OPENBOOK_ASSIGN_OR_RETURN(L.wo, t.matrix(name("attn_output.weight"), c.n_embd, c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.bo, t.vector(name("attn_output.bias"), c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.attn_out_norm,
                                  t.vector(name("attn_output_norm.weight"), c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.attn_out_norm_b,
                                  t.vector(name("attn_output_norm.bias"), c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_up, t.matrix(name("ffn_up.weight"), c.n_embd, c.n_ff));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_up_b, t.vector(name("ffn_up.bias"), c.n_ff));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_down, t.matrix(name("ffn_down.weight"), c.n_ff, c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.ffn_down_b, t.vector(name("ffn_down.bias"), c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.out_norm, t.vector(name("layer_output_norm.weight"), c.n_embd));
        OPENBOOK_ASSIGN_OR_RETURN(L.out_norm_b, t.vector(name("layer_output_norm.bias"), c.n_embd));
        w.layers.push_back(std::move(L));
    }
    OPENBOOK_RETURN_IF_ERROR(t.check_all_used());
    return std::make_unique<BertModel>(std::move(c), std::move(w));
}

BertModel::BertModel(BertConfig config, BertWeights weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
    shape_.n_head = config_.n_head;
    shape_.n_head_kv = config_.n_head_kv;
    shape_.head_dim = config_.head_dim;
    shape_.scale = 1.0f / std::sqrt(static_cast<float>(config_.head_dim));
}

std::unique_ptr<BertWorkspace> BertModel::make_workspace(int64_t max_tokens, int threads) const {
    const BertConfig& c = config_;
    auto ws = std::make_unique<BertWorkspace>();
    ws->max_tokens = max_tokens;
    const auto rows = [&](int64_t width) { return static_cast<size_t>(max_tokens * width); };
    const int64_t kv_width = c.n_head_kv * c.head_dim;
    ws->type_row.resize(static_cast<size_t>(c.n_embd));
    ws->x.resize(rows(c.n_embd));
    ws->h.resize(rows(c.n_embd));
    ws->q.resize(rows(c.n_embd));
    ws->k.resize(rows(kv_width));
    ws->v.resize(rows(kv_width));
    ws->attn.resize(rows(c.n_embd));
    ws->up.resize(rows(c.n_ff));
    ws->k_cache.resize(rows(kv_width));
    ws->v_cache.resize(rows(kv_width));
    ws->activations.reserve(max_tokens, std::max(c.n_embd, c.n_ff));
    ws->attention.reserve(shape_, max_tokens, threads);
    return ws;
}

void BertModel::forward(std::span<const tokenizer::TokenId> tokens, BertWorkspace& ws,
                        core::ThreadPool& pool, float* states) const {
    const BertConfig& c = config_;
    const int64_t n = static_cast<int64_t>(tokens.size());
    const int64_t d = c.n_embd;
    const int64_t kv_width = c.n_head_kv * c.head_dim;
    float* x = ws.x.data();
    float* h = ws.h.data();

    // Embeddings: (token + type 0) + position, as llama.cpp adds them, then LayerNorm.
    float* type_row = ws.type_row.data();
    weights_.token_types.ops->to_float(weights_.token_types.row(0), type_row, d);
    pool.parallel_for(
        n,
        [&](int64_t begin, int64_t end) {
            for (int64_t t = begin; t < end; ++t) {
                float* xt = x + t * d;
                float* pos_row = h + t * d;  // h is free until the first layer
                const Weight& e = weights_.token_embd;
                e.ops->to_float(e.row(tokens[static_cast<size_t>(t)]), xt, d);
                weights_.position_embd.ops->to_float(weights_.position_embd.row(t), pos_row, d);
                for (int64_t i = 0; i < d; ++i) xt[i] = pos_row[i] + (xt[i] + type_row[i]);
                layer_norm(xt, weights_.embd_norm.data(), weights_.embd_norm_b.data(), d,
                           c.norm_eps, xt);
            }
        },
        kRowGrain);

    KvLayer cache;
    cache.type = gguf::GgmlType::kF32;
    cache.k = ws.k_cache.data();
    cache.v = ws.v_cache.data();
    cache.capacity = ws.max_tokens;

    for (const BertLayer& L : weights_.layers) {
        const ActivationRows xa =
            convert_activations(pool, L.wq.ops->activation_type, x, n, d, ws.activations);
        if (L.wk.ops->activation_type == xa.type && L.wv.ops->activation_type == xa.type) {
            matmul(pool, xa,
                   {MatmulTask{&L.wq, ws.q.data()}, MatmulTask{&L.wk, ws.k.data()},
                    MatmulTask{&L.wv, ws.v.data()}});
        } else {
            matmul(pool, xa, {MatmulTask{&L.wq, ws.q.data()}});
            linear(pool, L.wk, x, n, ws.k.data(), ws.activations);
            linear(pool, L.wv, x, n, ws.v.data(), ws.activations);
        }
        add_rows(ws.q.data(), L.bq, n, d);
        add_rows(ws.k.data(), L.bk, n, kv_width);
        add_rows(ws.v.data(), L.bv, n, kv_width);
        kv_store(cache, shape_, ws.k.data(), ws.v.data(), n, 0);
        attention(pool, cache, shape_, ws.q.data(), n, 0, n, /*causal=*/false, ws.attn.data(),
                  ws.attention);

        linear(pool, L.wo, ws.attn.data(), n, h, ws.activations);
        pool.parallel_for(
            n,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    float* ht = h + t * d;
                    const float* xt = x + t * d;
                    for (int64_t i = 0; i < d; ++i)
                        ht[i] = (ht[i] + L.bo[static_cast<size_t>(i)]) + xt[i];
                    layer_norm(ht, L.attn_out_norm.data(), L.attn_out_norm_b.data(), d, c.norm_eps,
                               ht);
                }
            },
            kRowGrain);

        linear(pool, L.ffn_up, h, n, ws.up.data(), ws.activations);
        pool.parallel_for(
            n,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    float* u = ws.up.data() + t * c.n_ff;
                    add_in_place(u, L.ffn_up_b.data(), c.n_ff);
                    gelu(u, c.n_ff);
                }
            },
            kRowGrain);
        linear(pool, L.ffn_down, ws.up.data(), n, x, ws.activations);
        pool.parallel_for(
            n,
            [&](int64_t begin, int64_t end) {
                for (int64_t t = begin; t < end; ++t) {
                    float* xt = x + t * d;
                    const float* ht = h + t * d;
                    for (int64_t i = 0; i < d; ++i)
                        xt[i] = (xt[i] + L.ffn_down_b[static_cast<size_t>(i)]) + ht[i];
                    layer_norm(xt, L.out_norm.data(), L.out_norm_b.data(), d, c.norm_eps, xt);
                }
            },
            kRowGrain);
    }
    std::copy(x, x + n * d, states);
}

}  // namespace openbook::arch
