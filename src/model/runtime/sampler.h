// Picks the next token from a model's logits: greedy, or a random draw shaped by temperature,
// top-k, top-p (nucleus) and min-p, after repetition / frequency / presence penalties.
//
// The steps run in llama.cpp's default order — penalties, top-k, top-p, min-p, temperature,
// draw — so the same settings mean the same thing in both. A fixed seed makes a run
// reproducible (std::mt19937_64; the draw is inverse-CDF over the surviving candidates).
// temperature <= 0 is greedy: the highest logit after penalties, ties to the lowest id.
//
// Thread-safety: a Sampler belongs to one generation; not shared between threads.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <unordered_map>
#include <vector>

#include "model/tokenizer/vocab.h"

namespace openbook::runtime {

struct SamplingParams {
    float temperature = 0.8f;  // <= 0: greedy
    int top_k = 40;            // <= 0: off
    float top_p = 0.95f;       // >= 1: off
    float min_p = 0.05f;       // <= 0: off
    float repeat_penalty = 1.0f;     // 1: off. Divides positive logits, multiplies negative ones
    float frequency_penalty = 0.0f;  // subtracted once per earlier occurrence
    float presence_penalty = 0.0f;   // subtracted once if the token occurred at all
    int penalty_last_n = 64;         // how many recent tokens the penalties look at
    uint64_t seed = 0;               // the same seed and inputs give the same tokens
};

class Sampler {
public:
    explicit Sampler(SamplingParams params);

    // The next token for `logits` (one per vocabulary entry). Does not record it: call
    // accept() with the token actually used (also for prompt tokens, if they should count
    // towards the penalties).
    tokenizer::TokenId sample(std::span<const float> logits);
    void accept(tokenizer::TokenId token);
    void reset();  // forget the history; the random stream continues

    const SamplingParams& params() const { return params_; }

private:
    struct Candidate {
        tokenizer::TokenId id;
        float logit;
    };
    void apply_penalties(std::vector<Candidate>& candidates) const;

    SamplingParams params_;
    std::mt19937_64 rng_;
    std::deque<tokenizer::TokenId> recent_;  // the last penalty_last_n accepted tokens
    std::unordered_map<tokenizer::TokenId, int> recent_counts_;
    std::vector<Candidate> scratch_;
};

}  // namespace openbook::runtime
