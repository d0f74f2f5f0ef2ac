// `openbook eval beir DIR` and `openbook eval squad FILE OUT_DIR`.
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "openbook/eval.h"

namespace openbook::cli {

void register_eval(CLI::App& app, CommandContext& ctx) {
    auto* eval = app.add_subcommand("eval", "Measure retrieval quality on standard datasets");
    eval->require_subcommand(1);

    struct BeirArgs {
        std::string dir;
        BeirEvalOptions options;
        bool json = false;
    };
    auto beir_args = std::make_shared<BeirArgs>();
    auto* beir = eval->add_subcommand(
        "beir", "Evaluate on a BEIR folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv): "
                "nDCG@10, Recall@10/100, MRR@10, latency");
    beir->add_option("dir", beir_args->dir, "The dataset folder")->required();
    beir->add_option("--split", beir_args->options.split, "qrels split")->capture_default_str();
    beir->add_flag("--chunk", beir_args->options.chunk,
                   "Chunk documents as ingest does (default: one chunk per document)");
    beir->add_option("--k1", beir_args->options.search.k1, "BM25 k1")->capture_default_str();
    beir->add_option("--b", beir_args->options.search.b, "BM25 b")->capture_default_str();
    beir->add_flag("--exhaustive", beir_args->options.search.exhaustive,
                   "Score every posting (the reference the pruned search must equal)");
    beir->add_flag("--json", beir_args->json, "Print as JSON");
    beir->callback([&ctx, beir_args] {
        // The evaluation builds its own collection: --index names where to keep it.
        beir_args->options.index_dir = ctx.global.index_dir;
        const bool tty = stderr_is_tty() && !beir_args->json;
        auto report = evaluate_beir(beir_args->dir, beir_args->options, [tty](size_t done, size_t n) {
            if (tty && (done % 50 == 0 || done == n)) {
                std::fprintf(stderr, "\r\033[Kqueries %zu/%zu", done, n);
                if (done == n) std::fprintf(stderr, "\r\033[K");
            }
        });
        if (!report.has_value()) {
            ctx.exit_code = report_error(report.error());
            return;
        }
        const auto& r = *report;
        if (beir_args->json) {
            print_json({{"dataset", r.dataset},
                        {"split", r.split},
                        {"documents", r.documents},
                        {"chunks", r.chunks},
                        {"queries", r.queries},
                        {"ndcg@10", r.ndcg_at_10},
                        {"recall@1", r.recall_at_1},
                        {"recall@5", r.recall_at_5},
                        {"recall@10", r.recall_at_10},
                        {"recall@100", r.recall_at_100},
                        {"mrr@10", r.mrr_at_10},
                        {"latency_p50_ms", r.latency_p50_ms},
                        {"latency_p95_ms", r.latency_p95_ms},
                        {"queries_per_second", r.queries_per_second},
                        {"index_seconds", r.index_seconds}});
            return;
        }
        std::printf("%s (%s): %zu documents, %zu chunks, %zu queries\n", r.dataset.c_str(),
                    r.split.c_str(), r.documents, r.chunks, r.queries);
        std::printf("nDCG@10    %.4f\nRecall@1   %.4f\nRecall@5   %.4f\nRecall@10  %.4f\n"
                    "Recall@100 %.4f\nMRR@10     %.4f\n",
                    r.ndcg_at_10, r.recall_at_1, r.recall_at_5, r.recall_at_10, r.recall_at_100,
                    r.mrr_at_10);
        std::printf("latency    p50 %.2f ms, p95 %.2f ms (%.0f queries/s, 1 thread)\n",
                    r.latency_p50_ms, r.latency_p95_ms, r.queries_per_second);
        std::printf("indexing   %.2f s\n", r.index_seconds);
    });

    struct SquadArgs {
        std::string file;
        std::string out;
    };
    auto squad_args = std::make_shared<SquadArgs>();
    auto* squad = eval->add_subcommand(
        "squad", "Convert a SQuAD-format file (DRCD, CMRC 2018) into a BEIR folder: paragraphs "
                 "become documents, questions become queries");
    squad->add_option("file", squad_args->file, "SQuAD JSON file")->required();
    squad->add_option("out", squad_args->out, "Output folder")->required();
    squad->callback([&ctx, squad_args] {
        auto n = convert_squad_to_beir(squad_args->file, squad_args->out);
        if (!n.has_value()) {
            ctx.exit_code = report_error(n.error());
            return;
        }
        std::printf("%zu paragraphs, %zu questions written to %s\n", n->paragraphs, n->questions,
                    squad_args->out.c_str());
    });
}

}  // namespace openbook::cli
