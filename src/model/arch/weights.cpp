#include "model/arch/weights.h"

#include <string>
#include <utility>
#include <vector>

namespace openbook::arch {

using gguf::GgmlType;

std::string shape_string(std::span<const uint64_t> dims) {
    std::string out = "[";
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i > 0) out += ", ";
        out += std::to_string(dims[i]);
    }
    return out + "]";
}

TensorLoader::TensorLoader(const gguf::File& file, std::string architecture)
    : file_(file), architecture_(std::move(architecture)) {}

bool TensorLoader::has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

int64_t TensorLoader::rows_of(const std::string& name) const {
    const gguf::TensorInfo* info = file_.find_tensor(name);
    if (info == nullptr || info->dims.size() != 2) return -1;
    return static_cast<int64_t>(info->dims[1]);
}

Result<const gguf::TensorInfo*> TensorLoader::find(const std::string& name,
                                                   std::initializer_list<int64_t> dims) {
    const gguf::TensorInfo* info = file_.find_tensor(name);
    if (info == nullptr) {
        return Status::corrupt(file_.name() + ": tensor '" + name + "' is missing (required by " +
                               architecture_ + ")");
    }
    std::vector<uint64_t> expected;
    for (int64_t d : dims) expected.push_back(static_cast<uint64_t>(d));
    if (info->dims != expected) {
        return Status::corrupt(file_.name() + ": tensor '" + name + "' has shape " +
                               shape_string(info->dims) + ", but the metadata implies " +
                               shape_string(expected));
    }
    used_.insert(info->name);
    return info;
}

Result<Weight> TensorLoader::table(const std::string& name, int64_t cols, int64_t rows,
                                   bool multiplied) {
    OPENBOOK_ASSIGN_OR_RETURN(const gguf::TensorInfo* info, find(name, {cols, rows}));
    const auto type = static_cast<GgmlType>(info->type);
    const kernels::TypeOps* ops = kernels::ops(type);
    if (ops == nullptr || (multiplied && ops->dot == nullptr)) {
        return Status::unsupported(file_.name() + ": tensor '" + name + "' has type " +
                                   gguf::ggml_type_name(info->type) +
                                   ", which openbook cannot compute with");
    }
    if (multiplied) {
        const auto act = gguf::ggml_type_traits(static_cast<uint32_t>(ops->activation_type));
        if (!act || cols % act->block_elements != 0) {
            return Status::unsupported(file_.name() + ": tensor '" + name + "' (" +
                                       gguf::ggml_type_name(info->type) + ") has rows of " +
                                       std::to_string(cols) +
                                       " elements, not a whole number of activation blocks");
        }
    }
    Weight w;
    w.name = info->name;
    w.type = type;
    w.ops = ops;
    w.cols = cols;
    w.rows = rows;
    w.row_bytes = kernels::row_bytes(type, cols);
    w.data = file_.tensor_data(*info).data();
    return w;
}

Result<Weight> TensorLoader::matrix(const std::string& name, int64_t cols, int64_t rows) {
    return table(name, cols, rows, /*multiplied=*/true);
}

Result<Weight> TensorLoader::optional_matrix(const std::string& name, int64_t cols, int64_t rows) {
    if (!has(name)) return Weight{};
    return matrix(name, cols, rows);
}

Result<std::span<const float>> TensorLoader::vector(const std::string& name, int64_t n) {
    OPENBOOK_ASSIGN_OR_RETURN(const gguf::TensorInfo* info, find(name, {n}));
    if (static_cast<GgmlType>(info->type) != GgmlType::kF32) {
        return Status::unsupported(file_.name() + ": tensor '" + name + "' has type " +
                                   gguf::ggml_type_name(info->type) +
                                   "; norm weights and biases must be F32");
    }
    const auto bytes = file_.tensor_data(*info);
    return std::span<const float>(reinterpret_cast<const float*>(bytes.data()),
                                  static_cast<size_t>(n));
}

Result<std::span<const float>> TensorLoader::optional_vector(const std::string& name, int64_t n) {
    if (!has(name)) return std::span<const float>();
    return vector(name, n);
}

Status TensorLoader::check_all_used() const {
    for (const gguf::TensorInfo& info : file_.tensors()) {
        if (used_.count(info.name) == 0) {
            return Status::unsupported(file_.name() + ": tensor '" + std::string(info.name) +
                                       "' is not part of the " + architecture_ +
                                       " architecture as openbook implements it");
        }
    }
    return Status::ok_status();
}

}  // namespace openbook::arch
