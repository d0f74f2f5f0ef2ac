#include "text/script_folding.h"

#include <algorithm>
#include <bit>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

// OpenCC's headers use std::iterator, deprecated since C++17.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Lexicon.hpp>
#include <opencc/MaxMatchSegmentation.hpp>
#pragma GCC diagnostic pop

#include "text/cross_strait_terms.h"
#include "text/utf8.h"

namespace openbook::text {

namespace {

// Longer keys cannot be represented in a Dictionary's length masks; no OpenCC dictionary comes
// near (tw2sp's longest key has 14 characters).
constexpr size_t kMaxKeyChars = 64;

std::u32string decode(std::string_view utf8) {
    std::u32string out;
    out.reserve(utf8.size());
    for (size_t pos = 0; pos < utf8.size();) out.push_back(decode_utf8(utf8, pos));
    return out;
}

// One dictionary: longest-prefix lookup of keys in code points.
class Dictionary {
public:
    // Keeps the first value given for a key (OpenCC's dictionaries have unique keys anyway).
    void add(std::u32string_view key, std::u32string_view value) {
        if (key.empty() || key.size() > kMaxKeyChars) return;
        if (!map_.emplace(key, value).second) return;
        lengths_by_first_[key[0]] |= uint64_t{1} << (key.size() - 1);
        if (key[0] < kBmpSize) bmp_starts_[key[0] / 64] |= uint64_t{1} << (key[0] % 64);
    }

    // Length of the longest key that is a prefix of text[0, available), or 0.
    size_t match(const char32_t* text, size_t available, std::u32string_view* value) const {
        const char32_t first = text[0];
        // Most characters begin no key at all: one bit test spares them the hash lookups.
        if (first < kBmpSize && (bmp_starts_[first / 64] & (uint64_t{1} << (first % 64))) == 0) {
            return 0;
        }
        auto lengths = lengths_by_first_.find(first);
        if (lengths == lengths_by_first_.end()) return 0;
        uint64_t mask = lengths->second;
        if (available < 64) mask &= (uint64_t{1} << available) - 1;
        while (mask != 0) {
            const size_t length = 64 - static_cast<size_t>(std::countl_zero(mask));
            auto it = map_.find(std::u32string_view(text, length));
            if (it != map_.end()) {
                *value = it->second;
                return length;
            }
            mask &= ~(uint64_t{1} << (length - 1));
        }
        return 0;
    }

private:
    static constexpr char32_t kBmpSize = 0x10000;
    std::unordered_map<std::u32string_view, std::u32string_view> map_;
    std::unordered_map<char32_t, uint64_t> lengths_by_first_;  // bit n-1: a key of n chars
    std::vector<uint64_t> bmp_starts_ = std::vector<uint64_t>(kBmpSize / 64);
};

// OpenCC's DictGroup: the first dictionary with any match wins, even when a later one would
// match a longer key.
struct DictionaryGroup {
    std::vector<Dictionary> members;

    size_t match(const char32_t* text, size_t available, std::u32string_view* value) const {
        for (const auto& dictionary : members) {
            if (size_t length = dictionary.match(text, available, value); length != 0) {
                return length;
            }
        }
        return 0;
    }
};

// Appends `value`, the replacement of in[begin, begin + length), each of its characters sourced
// from the whole matched phrase: phrase replacements (記憶體 → 内存, 啟用 → 激活) do not say which
// character became which, and a span over the whole phrase analyzes back to the same terms.
void append_replacement(std::u32string_view value, const SourceRange* in_src, size_t begin,
                        size_t length, std::vector<char32_t>& out_cps,
                        std::vector<SourceRange>& out_src) {
    SourceRange range = in_src[begin];
    for (size_t i = begin + 1; i < begin + length; ++i) {
        range.first = std::min(range.first, in_src[i].first);
        range.last = std::max(range.last, in_src[i].last);
    }
    for (char32_t cp : value) {
        out_cps.push_back(cp);
        out_src.push_back(range);
    }
}

// One conversion of the chain over every segment of in (segment i ends at segment_ends[i]);
// rewrites segment_ends to the matching ends in the output.
void convert_segments(const DictionaryGroup& group, std::span<const char32_t> in,
                      std::span<const SourceRange> in_src, std::vector<uint32_t>& segment_ends,
                      std::vector<char32_t>& out_cps, std::vector<SourceRange>& out_src) {
    out_cps.clear();
    out_src.clear();
    size_t pos = 0;
    for (auto& segment_end : segment_ends) {
        const size_t end = segment_end;
        while (pos < end) {
            std::u32string_view value;
            const size_t length = group.match(in.data() + pos, end - pos, &value);
            if (length == 0) {
                out_cps.push_back(in[pos]);
                out_src.push_back(in_src[pos]);
                ++pos;
            } else {
                append_replacement(value, in_src.data(), pos, length, out_cps, out_src);
                pos += length;
            }
        }
        segment_end = static_cast<uint32_t>(out_cps.size());
    }
}

}  // namespace

// One OpenCC configuration, replayed.
struct ChineseScriptFolder::Conversion {
    DictionaryGroup segmentation;
    std::vector<DictionaryGroup> chain;
};

struct ChineseScriptFolder::Tables {
    std::deque<std::u32string> strings;  // every key and value; a deque never moves them
    Dictionary cross_strait;
    Conversion traditional;  // tw2sp
    Conversion simplified;   // t2s
    // evidence() by BMP code point (the characters OpenCC's tables tell apart are all there).
    std::vector<int8_t> evidence = std::vector<int8_t>(0x10000);

    // Single-character entries of the character tables, for `evidence`: whether the key only
    // ever converts to other characters (資 → 资), or is also written as it is (乾 → 干 or 乾).
    std::unordered_map<char32_t, bool> to_simplified_keys;   // from the Simplified configuration
    std::unordered_map<char32_t, bool> to_traditional_keys;  // from the evidence configuration

    std::u32string_view keep(std::u32string s) { return strings.emplace_back(std::move(s)); }

    // Flattens nested groups: first-match-wins over a group of groups is first-match-wins over
    // their members in order. Notes single-character entries in `chars` when given.
    void add_opencc_dict(const opencc::DictPtr& dict, DictionaryGroup* group,
                         std::unordered_map<char32_t, bool>* chars) {
        if (auto nested = std::dynamic_pointer_cast<opencc::DictGroup>(dict)) {
            for (const auto& member : nested->GetDicts()) add_opencc_dict(member, group, chars);
            return;
        }
        Dictionary* dictionary = group != nullptr ? &group->members.emplace_back() : nullptr;
        for (const auto& entry : *dict->GetLexicon()) {
            const auto key = keep(decode(entry->Key()));
            if (dictionary != nullptr) dictionary->add(key, keep(decode(entry->GetDefault())));
            if (chars != nullptr && key.size() == 1) {
                bool only_others = true;
                for (const auto& value : entry->Values()) only_others &= decode(value) != key;
                auto [it, added] = chars->emplace(key[0], only_others);
                if (!added) it->second = it->second && only_others;
            }
        }
    }

    static opencc::ConverterPtr open(const std::string& config) {
        opencc::Config loader;
        opencc::ConverterPtr converter = loader.NewFromFile(config);
        if (std::dynamic_pointer_cast<opencc::MaxMatchSegmentation>(converter->GetSegmentation()) ==
            nullptr) {
            throw std::runtime_error("segmentation is not maximum-match");
        }
        return converter;
    }

    // Replays `config` in `conversion`, noting its single-character entries in `chars` if given.
    void load(const std::string& config, Conversion* conversion,
              std::unordered_map<char32_t, bool>* chars) {
        const auto converter = open(config);
        const auto segmentation =
            std::dynamic_pointer_cast<opencc::MaxMatchSegmentation>(converter->GetSegmentation());
        add_opencc_dict(segmentation->GetDict(),
                        conversion != nullptr ? &conversion->segmentation : nullptr, nullptr);
        for (const auto& step : converter->GetConversionChain()->GetConversions()) {
            add_opencc_dict(step->GetDict(),
                            conversion != nullptr ? &conversion->chain.emplace_back() : nullptr,
                            chars);
        }
    }

    // Traditional-only: converted to Simplified, never written as it is in Simplified text, and
    // not a Simplified character with a Traditional form of its own (資, 們, 後). Simplified-only
    // the other way round (资, 们). Characters both scripts write (的, 干, 后) say nothing.
    void derive_evidence() {
        for (const auto& [cp, only_others] : to_simplified_keys) {
            if (only_others && !to_traditional_keys.contains(cp) && cp < 0x10000) evidence[cp] = 1;
        }
        for (const auto& [cp, only_others] : to_traditional_keys) {
            if (only_others && !to_simplified_keys.contains(cp) && cp < 0x10000) {
                evidence[cp] = -1;
            }
        }
        to_simplified_keys.clear();
        to_traditional_keys.clear();
    }
};

ChineseScriptFolder::ChineseScriptFolder(std::unique_ptr<const Tables> tables)
    : tables_(std::move(tables)) {}

ChineseScriptFolder::~ChineseScriptFolder() = default;

Result<std::shared_ptr<const ChineseScriptFolder>> ChineseScriptFolder::load(
    const std::string& traditional_config, const std::string& simplified_config,
    const std::string& evidence_config) {
    auto tables = std::make_unique<Tables>();
    for (const auto& term : cross_strait_terms()) {
        const auto key = tables->keep(decode(term.taiwan));
        tables->cross_strait.add(key, tables->keep(decode(term.mainland)));
    }
    const std::string* loading = &traditional_config;
    try {
        tables->load(traditional_config, &tables->traditional, nullptr);
        loading = &simplified_config;
        tables->load(simplified_config, &tables->simplified, &tables->to_simplified_keys);
        loading = &evidence_config;
        tables->load(evidence_config, nullptr, &tables->to_traditional_keys);
    } catch (const std::exception& e) {
        return Status::unsupported("cannot load OpenCC configuration " + *loading + ": " +
                                   e.what());
    }
    tables->derive_evidence();
    return std::shared_ptr<const ChineseScriptFolder>(new ChineseScriptFolder(std::move(tables)));
}

Result<std::shared_ptr<const ChineseScriptFolder>> ChineseScriptFolder::shared() {
    // Loaded once: ~15,000 dictionary entries, a few milliseconds. A failure is not cached, so
    // a later call can succeed once the data files are installed.
    static std::mutex mutex;
    static std::shared_ptr<const ChineseScriptFolder> folder;
    std::lock_guard lock(mutex);
    if (folder == nullptr) {
        auto loaded = load("tw2sp.json", "t2s.json", "s2t.json");
        if (!loaded) return loaded.error();
        folder = *loaded;
    }
    return folder;
}

int ChineseScriptFolder::evidence(char32_t cp) const {
    return cp < 0x10000 ? tables_->evidence[cp] : 0;
}

void ChineseScriptFolder::convert(const Conversion& conversion, std::span<const char32_t> han,
                                  size_t begin, size_t end, FoldBuffers& out) const {
    if (begin >= end) return;
    const auto text = han.subspan(begin, end - begin);
    const size_t n = text.size();

    // Maximum-match segmentation: every segmentation-dictionary match is a segment of its own,
    // the characters between matches form one segment; conversions never cross segments.
    auto& ends = out.segment_ends;
    ends.clear();
    size_t pos = 0;
    while (pos < n) {
        std::u32string_view unused;
        const size_t length = conversion.segmentation.match(text.data() + pos, n - pos, &unused);
        if (length == 0) {
            ++pos;
            continue;
        }
        if (pos > (ends.empty() ? 0 : ends.back())) ends.push_back(static_cast<uint32_t>(pos));
        pos += length;
        ends.push_back(static_cast<uint32_t>(pos));
    }
    if (ends.empty() || ends.back() < n) ends.push_back(static_cast<uint32_t>(n));

    // The chain, ping-ponging between scratch buffers; sources are indexes into han.
    auto& cps = out.stage_cps;
    auto& src = out.stage_src;
    cps.assign(text.begin(), text.end());
    src.resize(n);
    for (size_t i = 0; i < n; ++i) {
        src[i] = {static_cast<uint32_t>(begin + i), static_cast<uint32_t>(begin + i)};
    }
    for (const auto& step : conversion.chain) {
        convert_segments(step, cps, src, ends, out.scratch_cps, out.scratch_src);
        cps.swap(out.scratch_cps);
        src.swap(out.scratch_src);
    }
    out.cps.insert(out.cps.end(), cps.begin(), cps.end());
    out.src.insert(out.src.end(), src.begin(), src.end());
}

void ChineseScriptFolder::fold_opencc_only(std::span<const char32_t> han, ChineseScript script,
                                           FoldBuffers& out) const {
    out.cps.clear();
    out.src.clear();
    const auto& conversion =
        script == ChineseScript::kTraditional ? tables_->traditional : tables_->simplified;
    convert(conversion, han, 0, han.size(), out);
}

void ChineseScriptFolder::fold(std::span<const char32_t> han, ChineseScript script,
                               FoldBuffers& out) const {
    out.cps.clear();
    out.src.clear();
    const auto& conversion =
        script == ChineseScript::kTraditional ? tables_->traditional : tables_->simplified;
    const size_t n = han.size();
    size_t gap = 0;  // start of the text no table entry has matched yet
    size_t pos = 0;
    while (pos < n) {
        std::u32string_view mainland;
        const size_t length = tables_->cross_strait.match(han.data() + pos, n - pos, &mainland);
        if (length == 0) {
            ++pos;
            continue;
        }
        convert(conversion, han, gap, pos, out);
        for (char32_t cp : mainland) {
            out.cps.push_back(cp);
            out.src.push_back(
                {static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + length - 1)});
        }
        pos += length;
        gap = pos;
    }
    convert(conversion, han, gap, n, out);
}

}  // namespace openbook::text
