#include "model/runtime/sampler.h"

#include <algorithm>
#include <cmath>

namespace openbook::runtime {

using tokenizer::TokenId;

Sampler::Sampler(SamplingParams params) : params_(params), rng_(params.seed) {}

void Sampler::reset() {
    recent_.clear();
    recent_counts_.clear();
}

void Sampler::accept(TokenId token) {
    if (params_.penalty_last_n <= 0) return;
    recent_.push_back(token);
    ++recent_counts_[token];
    while (recent_.size() > static_cast<size_t>(params_.penalty_last_n)) {
        auto it = recent_counts_.find(recent_.front());
        if (--it->second == 0) recent_counts_.erase(it);
        recent_.pop_front();
    }
}

void Sampler::apply_penalties(std::vector<Candidate>& candidates) const {
    const bool repeat = params_.repeat_penalty != 1.0f;
    if (!repeat && params_.frequency_penalty == 0.0f && params_.presence_penalty == 0.0f) return;
    for (const auto& [id, count] : recent_counts_) {
        if (id < 0 || static_cast<size_t>(id) >= candidates.size()) continue;
        float& logit = candidates[id].logit;  // candidates are still indexed by id here
        if (repeat) logit = logit > 0 ? logit / params_.repeat_penalty : logit * params_.repeat_penalty;
        logit -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
    }
}

TokenId Sampler::sample(std::span<const float> logits) {
    if (logits.empty()) return tokenizer::kNoToken;
    std::vector<Candidate>& c = scratch_;
    c.resize(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) c[i] = {static_cast<TokenId>(i), logits[i]};
    apply_penalties(c);

    auto higher = [](const Candidate& a, const Candidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    };
    if (params_.temperature <= 0.0f) {
        return std::min_element(c.begin(), c.end(), higher)->id;
    }

    // top-k (partial sort), else a full sort: top-p needs the order.
    size_t keep = c.size();
    if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < keep) {
        keep = static_cast<size_t>(params_.top_k);
        std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(keep), c.end(), higher);
    } else {
        std::sort(c.begin(), c.end(), higher);
    }
    c.resize(keep);

    // top-p over the untempered distribution: the shortest prefix holding p of the mass.
    const float max_logit = c.front().logit;
    if (params_.top_p < 1.0f) {
        double total = 0;
        for (const Candidate& x : c) total += std::exp(static_cast<double>(x.logit - max_logit));
        double cumulative = 0;
        size_t n = 0;
        while (n < c.size()) {
            cumulative += std::exp(static_cast<double>(c[n].logit - max_logit)) / total;
            ++n;
            if (cumulative >= params_.top_p) break;
        }
        c.resize(std::max<size_t>(n, 1));
    }
    // min-p: drop tokens less likely than min_p times the best one.
    if (params_.min_p > 0.0f) {
        const float floor = max_logit + std::log(params_.min_p);
        size_t n = 1;
        while (n < c.size() && c[n].logit >= floor) ++n;
        c.resize(n);
    }

    // Temperature, then a draw.
    std::vector<double> weights(c.size());
    double total = 0;
    for (size_t i = 0; i < c.size(); ++i) {
        weights[i] = std::exp(static_cast<double>(c[i].logit - max_logit) / params_.temperature);
        total += weights[i];
    }
    std::uniform_real_distribution<double> uniform(0.0, total);
    double r = uniform(rng_);
    for (size_t i = 0; i < c.size(); ++i) {
        r -= weights[i];
        if (r < 0) return c[i].id;
    }
    return c.back().id;
}

}  // namespace openbook::runtime
