// openbook's own Taiwan → mainland vocabulary table for computing, machine learning and
// statistics, applied to Han text before OpenCC's Taiwan→Simplified conversion (analyzer step 2).
//
// OpenCC's phrase tables are general-purpose and sometimes pick the wrong sense for technical
// books: 正規化 becomes 范式 (database normal form) where ML texts mean 正则化 (regularization),
// 向量 becomes 矢量 (physics) where ML says 向量, 機率 becomes 几率 instead of 概率. A match in
// this table wins over OpenCC, and its (already Simplified, mainland) replacement is not passed to
// OpenCC again (script_folding.h applies the table, leftmost-longest). A few entries map a word
// to itself to keep OpenCC (or a shorter entry of this table) away from it: 向量, 序列, 方程式.
//
// Thread-safety: constant data.
#pragma once

#include <span>
#include <string_view>

namespace openbook::text {

struct CrossStraitTerm {
    std::string_view taiwan;    // Traditional characters, Taiwan vocabulary
    std::string_view mainland;  // Simplified characters, mainland vocabulary
};

// Every entry, in no particular order (for tests and documentation).
std::span<const CrossStraitTerm> cross_strait_terms();

}  // namespace openbook::text
