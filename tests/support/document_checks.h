// Assertions about loader output shared by the loader tests.
#pragma once

#include <gtest/gtest.h>

#include "ingest/document.h"

namespace openbook::testing {

// Sections are non-empty, in order, and together cover the text without gaps.
inline void expect_sections_cover(const ingest::Document& doc) {
    ASSERT_FALSE(doc.sections.empty());
    EXPECT_EQ(doc.sections.front().byte_start, 0u);
    EXPECT_EQ(doc.sections.back().byte_end, doc.text.size());
    for (size_t i = 0; i + 1 < doc.sections.size(); ++i) {
        EXPECT_EQ(doc.sections[i].byte_end, doc.sections[i + 1].byte_start) << "section " << i;
    }
}

}  // namespace openbook::testing
