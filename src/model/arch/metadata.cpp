#include "model/arch/metadata.h"

#include <cmath>

namespace openbook::arch {

Result<int64_t> Metadata::count_or(std::string_view suffix, int64_t fallback) const {
    const std::string k = key(suffix);
    const gguf::Value* v = file_.find(k);
    if (v == nullptr) return fallback;
    if (v->type == gguf::ValueType::kArray) {
        return Status::unsupported(file_.name() + ": metadata key '" + k +
                                   "' holds one value per layer, which openbook does not support");
    }
    const std::optional<int64_t> value = v->as_int();
    if (!value) {
        return Status::corrupt(file_.name() + ": metadata key '" + k + "' has type " +
                               std::string(gguf::value_type_name(v->type)) +
                               ", expected an integer");
    }
    if (*value < 1 || *value > kMaxCount) {
        return Status::corrupt(file_.name() + ": metadata key '" + k +
                               "' = " + std::to_string(*value) + " is out of range");
    }
    return *value;
}

Result<int64_t> Metadata::count(std::string_view suffix) const {
    if (file_.find(key(suffix)) == nullptr) {
        return Status::corrupt(file_.name() + ": metadata key '" + key(suffix) + "' is missing");
    }
    return count_or(suffix, 0);
}

Result<float> Metadata::real(std::string_view suffix, std::optional<float> fallback) const {
    const std::string k = key(suffix);
    const gguf::Value* v = file_.find(k);
    if (v == nullptr) {
        if (fallback) return *fallback;
        return Status::corrupt(file_.name() + ": metadata key '" + k + "' is missing");
    }
    const std::optional<double> value = v->as_double();
    if (!value || !std::isfinite(*value)) {
        return Status::corrupt(file_.name() + ": metadata key '" + k + "' is not a finite number");
    }
    return static_cast<float>(*value);
}

Result<bool> Metadata::flag(std::string_view suffix, std::optional<bool> fallback) const {
    const std::string k = key(suffix);
    const gguf::Value* v = file_.find(k);
    if (v == nullptr) {
        if (fallback) return *fallback;
        return Status::corrupt(file_.name() + ": metadata key '" + k + "' is missing");
    }
    if (v->type != gguf::ValueType::kBool) {
        return Status::corrupt(file_.name() + ": metadata key '" + k + "' has type " +
                               std::string(gguf::value_type_name(v->type)) + ", expected bool");
    }
    return v->u != 0;
}

std::optional<std::string_view> Metadata::string(std::string_view key) const {
    return file_.get_string(key);
}

}  // namespace openbook::arch
