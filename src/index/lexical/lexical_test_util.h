// Helpers shared by the lexical index tests and the benchmark test: synthetic Zipfian corpora.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "index/lexical/lexical_index.h"

namespace openbook::index::testing {

// Draws ranks 0..n-1 with P(rank r) proportional to 1 / (r + 1)^s.
class Zipf {
public:
    Zipf(size_t n, double s) : cdf_(n) {
        double sum = 0;
        for (size_t r = 0; r < n; ++r) {
            sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
            cdf_[r] = sum;
        }
        for (double& c : cdf_) c /= sum;
    }
    template <class Rng>
    size_t operator()(Rng& rng) const {
        double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
        size_t lo = 0, hi = cdf_.size() - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cdf_[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

private:
    std::vector<double> cdf_;
};

inline std::string term_name(size_t rank) {
    std::string name(1, 't');  // not "t" + to_string(): g++ 12 -O3 warns falsely (-Wrestrict)
    name += std::to_string(rank);
    return name;
}

struct CorpusSpec {
    size_t n_docs = 1000;
    size_t vocab = 1000;
    double zipf_s = 1.0;
    size_t min_len = 1;
    size_t max_len = 40;
    size_t chunks_per_document = 3;  // consecutive chunks share a document id
};

// Chunk ids are a random permutation (so ties really are broken by chunk id, not doc order).
template <class Rng>
std::vector<IndexableChunk> make_corpus(const CorpusSpec& spec, Rng& rng) {
    Zipf zipf(spec.vocab, spec.zipf_s);
    std::vector<int64_t> ids(spec.n_docs);
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>(i) * 7 + 1000;
    std::shuffle(ids.begin(), ids.end(), rng);
    std::uniform_int_distribution<size_t> len_dist(spec.min_len, spec.max_len);
    std::vector<IndexableChunk> chunks(spec.n_docs);
    for (size_t i = 0; i < spec.n_docs; ++i) {
        chunks[i].chunk_id = ids[i];
        chunks[i].document_id = static_cast<int64_t>(i / spec.chunks_per_document) + 1;
        size_t len = len_dist(rng);
        chunks[i].terms.reserve(len);
        for (size_t j = 0; j < len; ++j) chunks[i].terms.push_back(term_name(zipf(rng)));
    }
    return chunks;
}

}  // namespace openbook::index::testing
