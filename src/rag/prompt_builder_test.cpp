#include "rag/prompt_builder.h"

#include <random>

#include <gtest/gtest.h>

#include "support/test_support.h"
#include "text/token_estimate.h"
#include "text/utf8.h"

namespace openbook::rag {
namespace {

int64_t estimate(std::string_view s) { return static_cast<int64_t>(text::estimate_tokens(s)); }
// Roughly a byte-level BPE on mixed text: about one token per 3 bytes, never 0 for text.
int64_t bytes_counter(std::string_view s) { return static_cast<int64_t>((s.size() + 2) / 3); }

PromptBudget budget_of(int64_t max_tokens, TokenCounter counter = estimate, int64_t overhead = 4) {
    return {std::move(counter), max_tokens, overhead};
}

// The prompt's size measured independently of the builder.
int64_t measure(const Prompt& p, const PromptBudget& b) {
    int64_t total = 0;
    for (const auto& m : p.messages) total += b.count_tokens(m.content) + b.message_overhead_tokens;
    return total;
}

PromptSource source(int number, std::string text, std::string title = "Guide") {
    return {number, std::move(title), {"Regularization"}, 3, std::move(text)};
}

const std::string kHansText =
    "正则化是在损失函数中加入惩罚项的方法。它可以防止模型过拟合。常见的方法有 L1 和 L2 正则化。";

TEST(PromptBuilder, LayoutAndStablePrefix) {
    PromptInput a;
    a.question = "Why does machine learning need regularization?";
    a.persona = "You are a patient teacher.";
    a.examples = {{"What is 1+1?", "2 [1]."}};
    a.sources = {source(1, "Regularization prevents overfitting. It adds a penalty."),
                 source(2, "Dropout is one method.", "Notes")};
    auto pa = build_prompt(a, budget_of(10000));
    ASSERT_TRUE(pa.has_value()) << pa.error().to_string();
    ASSERT_EQ(pa->messages.size(), 4u);
    EXPECT_EQ(pa->n_prefix_messages, 3u);
    EXPECT_EQ(pa->messages[0].role, "system");
    EXPECT_EQ(pa->messages[1].role, "user");
    EXPECT_EQ(pa->messages[2].role, "assistant");
    EXPECT_EQ(pa->messages[3].role, "user");
    EXPECT_EQ(pa->messages[0].content.rfind("You are a patient teacher.", 0), 0u);
    const std::string& user = pa->messages[3].content;
    EXPECT_NE(user.find("[1] Guide › Regularization (p. 3)\nRegularization prevents overfitting."),
              std::string::npos);
    EXPECT_NE(user.find("[2] Notes › Regularization (p. 3)\nDropout is one method."),
              std::string::npos);
    EXPECT_LT(user.find("[2] Notes"), user.find("Question: Why does"));
    EXPECT_NE(user.find("Answer in English"), std::string::npos);
    EXPECT_EQ(pa->included_numbers(), (std::vector<int>{1, 2}));
    EXPECT_EQ(pa->total_tokens, measure(*pa, budget_of(10000)));

    PromptInput b = a;
    b.question = "為什麼 ML 需要正規化?";
    b.sources = {source(5, kHansText)};
    auto pb = build_prompt(b, budget_of(10000));
    ASSERT_TRUE(pb.has_value());
    ASSERT_EQ(pb->n_prefix_messages, pa->n_prefix_messages);
    for (size_t i = 0; i < pa->n_prefix_messages; ++i) {
        EXPECT_EQ(pa->messages[i].role, pb->messages[i].role);
        EXPECT_EQ(pa->messages[i].content, pb->messages[i].content);  // same bytes
    }
    EXPECT_EQ(pa->prefix_tokens, pb->prefix_tokens);
}

TEST(PromptBuilder, TraditionalQuestionOverSimplifiedSourcesAsksForTraditional) {
    PromptInput in;
    in.question = "為什麼 ML 需要正規化?";
    in.sources = {source(1, kHansText), source(2, kHansText)};
    auto p = build_prompt(in, budget_of(10000));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->language.language, AnswerLanguage::kTraditionalChinese);
    const std::string& user = p->messages.back().content;
    EXPECT_NE(user.find("請用繁體中文回答"), std::string::npos);
    EXPECT_EQ(user.find("请用简体中文回答"), std::string::npos);
    EXPECT_EQ(user.find("Answer in English"), std::string::npos);
    // The instruction comes last, after the question.
    EXPECT_GT(user.find("請用繁體中文回答"), user.find("為什麼 ML"));

    in.question = "为什么 ML 需要正则化?";
    p = build_prompt(in, budget_of(10000));
    ASSERT_TRUE(p.has_value());
    EXPECT_NE(p->messages.back().content.find("请用简体中文回答"), std::string::npos);
}

TEST(PromptBuilder, NoSourcesStillAsksAndSaysSo) {
    PromptInput in;
    in.question = "What is BM25?";
    auto p = build_prompt(in, budget_of(10000));
    ASSERT_TRUE(p.has_value());
    EXPECT_NE(p->messages.back().content.find("(none)"), std::string::npos);
    EXPECT_NE(p->messages[0].content.find("do not contain"), std::string::npos);
    EXPECT_TRUE(p->included_numbers().empty());
}

TEST(PromptBuilder, ShortensAtASentenceBoundaryThenDrops) {
    std::string long_text;
    for (int i = 0; i < 40; ++i) long_text += "Sentence number " + std::to_string(i) + " is here. ";
    PromptInput in;
    in.question = "Which sentence?";
    in.sources = {source(1, "Short first source."), source(2, long_text), source(3, long_text)};
    PromptBudget b = budget_of(0);
    b.max_tokens = build_prompt(in, budget_of(100000))->prefix_tokens + 120;
    auto p = build_prompt(in, b);
    ASSERT_TRUE(p.has_value()) << p.error().to_string();
    ASSERT_EQ(p->sources.size(), 3u);
    EXPECT_EQ(p->sources[0].fit, SourceFit::kWhole);
    EXPECT_EQ(p->sources[1].fit, SourceFit::kShortened);
    EXPECT_EQ(p->sources[2].fit, SourceFit::kDropped);
    EXPECT_GT(p->sources[1].chars_kept, 0);
    EXPECT_LT(p->sources[1].chars_kept, p->sources[1].chars_total);
    EXPECT_EQ(p->sources[2].chars_kept, 0);
    const std::string& user = p->messages.back().content;
    EXPECT_NE(user.find("is here. …"), std::string::npos);  // cut after a full stop
    EXPECT_EQ(user.find("[3] Guide"), std::string::npos);
    EXPECT_EQ(p->included_numbers(), (std::vector<int>{1, 2}));
    EXPECT_LE(p->total_tokens, b.max_tokens);
    EXPECT_EQ(std::string(source_fit_name(p->sources[1].fit)), "shortened");
}

TEST(PromptBuilder, TinyBudgetIsAClearError) {
    PromptInput in;
    in.question = "What is regularization in machine learning?";
    in.sources = {source(1, "Regularization prevents overfitting.")};
    auto p = build_prompt(in, budget_of(10));
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.error().message().find("budget of 10 tokens"), std::string::npos)
        << p.error().message();
    EXPECT_NE(p.error().message().find("the question"), std::string::npos);

    EXPECT_FALSE(build_prompt(in, budget_of(0)).has_value());
    EXPECT_FALSE(build_prompt(in, PromptBudget{{}, 1000, 0}).has_value());
    in.question = "  ";
    EXPECT_FALSE(build_prompt(in, budget_of(1000)).has_value());
    in.question = "q";
    in.sources = {source(1, "a."), source(1, "b.")};
    EXPECT_FALSE(build_prompt(in, budget_of(1000)).has_value());  // duplicate numbers
}

// Many long English and Chinese sources, random budgets and two counters: the prompt never
// exceeds the budget, whole sources are verbatim, shortened ones are sentence prefixes, and a
// build fails only when the question alone cannot fit.
TEST(PromptBuilder, RandomizedBudgetIsNeverExceeded) {
    const std::vector<std::string> sentences = {
        "Regularization adds a penalty to the loss. ",
        "Dropout randomly disables units during training! ",
        "正则化可以防止过拟合。",
        "機器學習模型需要足夠的資料才能泛化？",
        "Weight decay shrinks the weights toward zero; ",
        "早停法在验证误差上升时停止训练。",
        "A very long sentence without many breaks goes on and on about gradients and "
        "optimizers and learning rates and schedules. ",
    };
    std::mt19937 rng(20240607);
    int n_built = 0, n_shortened = 0, n_dropped = 0, n_failed = 0;
    for (int trial = 0; trial < 300; ++trial) {
        PromptInput in;
        in.question = trial % 2 ? "為什麼需要正規化？" : "Why regularize a model at all?";
        if (trial % 3 == 0) in.examples = {{"範例問題？", "範例答案 [1]。"}};
        int n_sources = std::uniform_int_distribution<int>(0, 25)(rng);
        for (int s = 0; s < n_sources; ++s) {
            std::string t;
            int n_sentences = std::uniform_int_distribution<int>(1, 60)(rng);
            for (int i = 0; i < n_sentences; ++i) {
                t += sentences[std::uniform_int_distribution<size_t>(0, sentences.size() - 1)(rng)];
            }
            in.sources.push_back(source(s + 1, t, s % 2 ? "指南" : "Guide"));
        }
        TokenCounter counter = trial % 2 ? TokenCounter(estimate) : TokenCounter(bytes_counter);
        PromptBudget b =
            budget_of(std::uniform_int_distribution<int64_t>(1, 3000)(rng), counter, trial % 4);
        auto p = build_prompt(in, b);
        if (!p.has_value()) {
            ++n_failed;
            // Only when nothing but the question fits... and then it really does not fit.
            PromptInput bare = in;
            bare.sources.clear();
            auto unlimited =
                build_prompt(bare, budget_of(1 << 30, counter, b.message_overhead_tokens));
            ASSERT_TRUE(unlimited.has_value());
            ASSERT_GT(unlimited->total_tokens, b.max_tokens) << p.error().to_string();
            continue;
        }
        ++n_built;
        ASSERT_LE(measure(*p, b), b.max_tokens) << "trial " << trial;
        ASSERT_EQ(measure(*p, b), p->total_tokens);
        ASSERT_EQ(p->sources.size(), in.sources.size());
        const std::string& user = p->messages.back().content;
        for (size_t i = 0; i < in.sources.size(); ++i) {
            const auto& r = p->sources[i];
            std::string header = "[" + std::to_string(r.number) + "] ";
            std::string src(in.sources[i].text);
            while (!src.empty() && src.back() == ' ') src.pop_back();
            if (r.fit == SourceFit::kWhole) {
                ASSERT_NE(user.find(src), std::string::npos);
            } else if (r.fit == SourceFit::kShortened) {
                ++n_shortened;
                // The kept text is a prefix of the source ending at a sentence end.
                size_t at = user.find("\n", user.find(header));
                size_t end = user.find(" …\n", at);
                ASSERT_NE(end, std::string::npos);
                std::string kept = user.substr(at + 1, end - at - 1);
                ASSERT_EQ(src.rfind(kept, 0), 0u);
                ASSERT_EQ(static_cast<int64_t>(text::count_code_points(kept)), r.chars_kept);
                std::string last = kept.substr(kept.size() - 3);
                ASSERT_TRUE(kept.back() == '.' || kept.back() == '!' || kept.back() == ';' ||
                            last == "。" || last == "？")
                    << kept;
            } else {
                ++n_dropped;
                ASSERT_EQ(user.find(header + (i % 2 ? "指南" : "Guide")), std::string::npos);
            }
        }
    }
    // The random cases exercise every outcome.
    EXPECT_GT(n_built, 100);
    EXPECT_GT(n_shortened, 10);
    EXPECT_GT(n_dropped, 10);
    EXPECT_GT(n_failed, 0);
}

TEST(PromptBuilder, HistoryKeepsTheNewestWholeTurnsWithinItsCap) {
    PromptInput in;
    in.question = "And how does dropout help?";
    in.sources = {source(1, "Dropout randomly zeroes activations during training.")};
    for (int i = 0; i < 6; ++i) {
        in.history.push_back({"user", "Question number " + std::to_string(i) + " about models?"});
        in.history.push_back({"assistant", "Answer number " + std::to_string(i) + " [1]."});
    }
    PromptBudget budget = budget_of(10000);
    // Room for exactly the last two exchanges (four turns).
    int64_t four = 0;
    for (size_t i = in.history.size() - 4; i < in.history.size(); ++i) {
        four += budget.count_tokens(in.history[i].content) + budget.message_overhead_tokens;
    }
    budget.history_max_tokens = four;
    auto p = build_prompt(in, budget);
    ASSERT_TRUE(p.has_value()) << p.error().to_string();
    EXPECT_EQ(p->history_kept, 4u);
    EXPECT_EQ(p->history_dropped, 8u);
    EXPECT_EQ(p->history_tokens, four);
    ASSERT_EQ(p->messages.size(), 1u + 4u + 1u);
    EXPECT_EQ(p->messages[1].content, "Question number 4 about models?");
    EXPECT_EQ(p->messages[4].content, "Answer number 5 [1].");
    EXPECT_EQ(p->messages.back().role, "user");
    EXPECT_NE(p->messages.back().content.find("And how does dropout help?"), std::string::npos);
    EXPECT_EQ(p->total_tokens, measure(*p, budget));

    // One token less: the oldest kept exchange's user turn no longer fits, and its assistant
    // turn alone is dropped too so the history starts with a question.
    budget.history_max_tokens = four - 1;
    p = build_prompt(in, budget);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->history_kept, 2u);
    EXPECT_EQ(p->messages[1].role, "user");
    EXPECT_EQ(p->total_tokens, measure(*p, budget));

    // No cap: no history. A tight total budget: history never pushes the prompt over it.
    budget.history_max_tokens = 0;
    p = build_prompt(in, budget);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->history_kept, 0u);
    budget.history_max_tokens = 100000;
    budget.max_tokens = p->total_tokens + 10;
    p = build_prompt(in, budget);
    ASSERT_TRUE(p.has_value());
    EXPECT_LE(p->total_tokens, budget.max_tokens);
    EXPECT_EQ(p->total_tokens, measure(*p, budget));
}

TEST(PromptBuilder, Deterministic) {
    PromptInput in;
    in.question = "Why?";
    for (int i = 1; i <= 8; ++i) in.sources.push_back(source(i, kHansText + kHansText));
    auto a = build_prompt(in, budget_of(300));
    auto b = build_prompt(in, budget_of(300));
    ASSERT_TRUE(a.has_value() && b.has_value());
    EXPECT_EQ(a->messages.back().content, b->messages.back().content);
}

TEST(PromptBuilder, SourceFromHit) {
    SearchHit hit;
    hit.title = "";
    hit.path = "docs/guide.md";
    hit.heading_path = {"guide.md", "正規化"};
    hit.page = 0;
    hit.text = "text";
    PromptSource s = prompt_source_from_hit(4, hit);
    EXPECT_EQ(s.number, 4);
    EXPECT_EQ(s.title, "guide.md");
    EXPECT_EQ(s.heading_path, (std::vector<std::string>{"正規化"}));
    PromptInput in{"q?", "", {}, {s}, std::nullopt};
    auto p = build_prompt(in, budget_of(1000));
    ASSERT_TRUE(p.has_value());
    EXPECT_NE(p->messages.back().content.find("[4] guide.md › 正規化\ntext"), std::string::npos);
}

TEST(FewShotExamples, ParsesJsonl) {
    auto r = parse_few_shot_examples(
        "\xEF\xBB\xBF{\"question\": \"什麼是 BM25？\", \"answer\": \"一種排序函數 [1]。\"}\r\n"
        "\n"
        "{\"question\": \"Q2\", \"answer\": \"A2\", \"note\": 1}\n",
        "ex.jsonl");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].question, "什麼是 BM25？");
    EXPECT_EQ((*r)[0].answer, "一種排序函數 [1]。");
    EXPECT_EQ((*r)[1].question, "Q2");
}

TEST(FewShotExamples, ErrorsNameFileAndLine) {
    auto bad_json =
        parse_few_shot_examples("{\"question\":\"a\",\"answer\":\"b\"}\n{oops\n", "ex.jsonl");
    ASSERT_FALSE(bad_json.has_value());
    EXPECT_NE(bad_json.error().message().find("ex.jsonl:2:"), std::string::npos);
    auto missing = parse_few_shot_examples("\n\n{\"question\":\"a\"}\n", "ex.jsonl");
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().message().find("ex.jsonl:3:"), std::string::npos);
    EXPECT_NE(missing.error().message().find("answer"), std::string::npos);
    auto not_object = parse_few_shot_examples("[1, 2]\n", "ex.jsonl");
    ASSERT_FALSE(not_object.has_value());
    EXPECT_NE(not_object.error().message().find("ex.jsonl:1:"), std::string::npos);
    auto empty_answer = parse_few_shot_examples("{\"question\":\"a\",\"answer\":\" \"}", "e");
    EXPECT_FALSE(empty_answer.has_value());

    testing::TempDir dir;
    testing::write_file(dir / "ex.jsonl",
                        "{\"question\":\"a\",\"answer\":\"b\"}\n{\"answer\":1}\n");
    auto loaded = load_few_shot_examples(dir / "ex.jsonl");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_NE(loaded.error().message().find((dir / "ex.jsonl").string() + ":2:"),
              std::string::npos);
    auto absent = load_few_shot_examples(dir / "nope.jsonl");
    ASSERT_FALSE(absent.has_value());
    EXPECT_EQ(absent.error().code(), StatusCode::kNotFound);
    EXPECT_NE(absent.error().message().find("nope.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace openbook::rag
