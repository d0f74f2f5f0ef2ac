// synthesize_model() and its lists (include/openbook/model.h) over runtime/synth_model.h.

#include "model/runtime/synth_model.h"
#include "openbook/model.h"

namespace openbook {

Result<SynthSummary> synthesize_model(const SynthOptions& options) {
    runtime::SynthSpec spec;
    spec.preset = options.preset;
    spec.file_type = options.file_type;
    spec.output = options.output;
    spec.vocab_from = options.vocab_from;
    spec.seed = options.seed;
    OPENBOOK_ASSIGN_OR_RETURN(runtime::SynthReport r, runtime::synthesize_model(spec));
    return SynthSummary{r.parameters, r.file_bytes, r.tensor_types};
}

std::vector<std::string> synthetic_model_presets() { return runtime::synth_presets(); }
std::vector<std::string> synthetic_model_file_types() { return runtime::synth_file_types(); }

}  // namespace openbook
