#include "rag/followup_rewrite.h"

#include <gtest/gtest.h>

namespace openbook::rag {
namespace {

TEST(FollowupRewrite, MessagesCarryTheRecentConversationAndTheFollowUp) {
    std::vector<ChatTurn> history;
    for (int i = 0; i < 5; ++i) {
        history.push_back({"user", "question " + std::to_string(i)});
        history.push_back({"assistant", std::string(1000, 'a') + "\nanswer " + std::to_string(i)});
    }
    auto m = rewrite_messages(history, "  What about\nits cost?  ", 4);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].role, "system");
    EXPECT_EQ(m[1].role, "user");
    const std::string& u = m[1].content;
    EXPECT_EQ(u.find("question 2"), std::string::npos);  // older than the last 4 turns
    EXPECT_NE(u.find("User: question 3\n"), std::string::npos);
    EXPECT_NE(u.find("User: question 4\n"), std::string::npos);
    EXPECT_NE(u.find("Follow-up question: What about its cost?\n"), std::string::npos);
    // Long answers are shortened to the topic, one line each.
    EXPECT_EQ(u.find("answer 4"), std::string::npos);
    EXPECT_NE(u.find(std::string(kRewriteAnswerChars, 'a') + " …\n"), std::string::npos);
}

TEST(FollowupRewrite, ParsesTheModelsLineAndRejectsWhatIsNotAQuestion) {
    EXPECT_EQ(parse_rewrite("  What are the drawbacks of dropout?\n", "its drawbacks?"),
              "What are the drawbacks of dropout?");
    EXPECT_EQ(parse_rewrite("Standalone question: \"Why use L2 regularization?\"", "why?"),
              "Why use L2 regularization?");
    EXPECT_EQ(parse_rewrite("「正規化的缺點是什麼？」", "它的缺點呢？"), "正規化的缺點是什麼？");
    EXPECT_FALSE(parse_rewrite("   ", "why?").has_value());
    EXPECT_FALSE(parse_rewrite("Line one\nline two", "why?").has_value());
    EXPECT_FALSE(parse_rewrite(std::string("bad \xff utf8"), "why?").has_value());
    EXPECT_FALSE(parse_rewrite(std::string(300, 'x'), "why?").has_value());
    EXPECT_TRUE(parse_rewrite(std::string(200, 'x'), "why?").has_value());
}

TEST(FollowupRewrite, FallbackJoinsThePreviousQueryAndTheFollowUp) {
    EXPECT_EQ(fallback_query("What is dropout?", " and its cost? "), "What is dropout? and its cost?");
    EXPECT_EQ(fallback_query("", "What is dropout?"), "What is dropout?");
}

}  // namespace
}  // namespace openbook::rag
