// The catalog's schema, as numbered migrations: migration i (0-based) takes a catalog from
// version i to i+1. Append new migrations; never edit a released one.
#pragma once

#include <span>
#include <string_view>

namespace openbook::store {

std::span<const std::string_view> catalog_migrations();

}  // namespace openbook::store
