// Internals of openbook::Collection shared by its source files (collection.cpp: open, queries,
// removal; ingest_pipeline.cpp: ingest and sync).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "core/file_lock.h"
#include "openbook/collection.h"
#include "store/catalog.h"

namespace openbook {

struct Collection::Impl {
    std::filesystem::path dir;
    std::unique_ptr<store::Catalog> catalog;
    std::optional<core::FileLock> writer_lock;  // held only in kWrite mode

    Status require_writer(const char* operation) const;
};

namespace collection {

inline constexpr const char* kCatalogFile = "catalog.db";
inline constexpr const char* kLockFile = "writer.lock";

DocumentInfo to_document_info(const store::DocumentRecord& d);

}  // namespace collection
}  // namespace openbook
