// Side-by-side lexical retrieval: openbook's own BM25 index against SQLite FTS5 and Xapian, on
// exactly the same chunks and queries.
//
// 1. Ingests SciFact, d2l-en, d2l-zh and War and Peace into a fresh openbook collection (default
//    chunking) and times it: openbook's build time is ingest + index, as a user experiences it.
// 2. Exports every chunk from the catalog (title, headings, text; with its document's external
//    id) and indexes the same bodies with FTS5 (unicode61, and trigram for Chinese) and Xapian.
// 3. Runs all SciFact queries and all DRCD questions against each engine (top 10): one warm-up
//    pass, then the whole set `--runs` times on 1 thread and on 2 threads (one connection /
//    reader per thread), keeping the best run since the machine is shared and noisy.
// 4. Scores SciFact test queries with nDCG@10 (linear gain, log2 discount, as BEIR/trec_eval).
//
// Usage: lexical_compare [--data DIR] [--runs N] [--out FILE] [--work DIR] [--keep]
//                        [--engines openbook,fts5,fts5-trigram,xapian,xapian-or]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "collection/lexical_sync.h"
#include "core/file_lock.h"
#include "index/lexical/lexical_index.h"
#include "lexical_engines.h"
#include "openbook/collection.h"
#include "store/catalog.h"

#ifndef OPENBOOK_SHARED_DATA_DEFAULT
#define OPENBOOK_SHARED_DATA_DEFAULT "../shared/data"
#endif

namespace fs = std::filesystem;
using bench::Hit;
using bench::Searcher;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds used by this process so far (all threads).
double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double mb(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string fmt(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

template <class T>
T take(openbook::Result<T> r, const std::string& what) {
    if (!r.has_value()) fail(what + ": " + r.error().to_string());
    return std::move(r).value();
}

void check(const openbook::Status& s, const std::string& what) {
    if (!s.ok()) fail(what + ": " + s.to_string());
}

// ---------------------------------------------------------------------------------------------
// Queries and judgments

struct QuerySet {
    std::vector<std::string> text;            // SciFact queries first, then DRCD questions
    size_t scifact = 0;                       // how many of them are SciFact's
    std::unordered_map<std::string, size_t> scifact_index;  // SciFact query id → position
    std::map<std::string, std::map<std::string, int>> qrels;  // test query → doc → relevance
};

std::string json_id(const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();  // BEIR ids are strings or numbers
}

QuerySet load_queries(const fs::path& data) {
    QuerySet qs;
    const fs::path beir = data / "scifact" / "beir";
    std::ifstream queries(beir / "queries.jsonl");
    if (!queries) fail("cannot read " + (beir / "queries.jsonl").string());
    for (std::string line; std::getline(queries, line);) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line);
        qs.scifact_index[json_id(j.at("_id"))] = qs.text.size();
        qs.text.push_back(j.at("text").get<std::string>());
    }
    qs.scifact = qs.text.size();

    std::ifstream drcd(data / "drcd" / "DRCD_dev.json");
    if (!drcd) fail("cannot read " + (data / "drcd" / "DRCD_dev.json").string());
    const auto squad = nlohmann::json::parse(drcd);
    for (const auto& article : squad.at("data")) {
        for (const auto& paragraph : article.at("paragraphs")) {
            for (const auto& qa : paragraph.at("qas")) {
                qs.text.push_back(qa.at("question").get<std::string>());
            }
        }
    }

    std::ifstream qrels(beir / "qrels" / "test.tsv");
    if (!qrels) fail("cannot read " + (beir / "qrels" / "test.tsv").string());
    std::string line;
    std::getline(qrels, line);  // header: query-id corpus-id score
    while (std::getline(qrels, line)) {
        std::istringstream fields(line);
        std::string query, doc;
        int score = 0;
        if (fields >> query >> doc >> score && score > 0) qs.qrels[query][doc] = score;
    }
    return qs;
}

// nDCG@10 of one ranking (document keys, best first, duplicates already removed).
double ndcg_at_10(const std::vector<std::string>& ranking, const std::map<std::string, int>& rels) {
    double dcg = 0;
    for (size_t i = 0; i < ranking.size() && i < 10; ++i) {
        auto it = rels.find(ranking[i]);
        if (it != rels.end()) dcg += it->second / std::log2(static_cast<double>(i) + 2);
    }
    std::vector<int> ideal;
    for (const auto& [doc, rel] : rels) ideal.push_back(rel);
    std::sort(ideal.rbegin(), ideal.rend());
    double idcg = 0;
    for (size_t i = 0; i < ideal.size() && i < 10; ++i) {
        idcg += ideal[i] / std::log2(static_cast<double>(i) + 2);
    }
    return idcg > 0 ? dcg / idcg : 0;
}

// Chunks → documents: the best chunk of a document stands for it. Chunks of documents without an
// external id (whole files, never relevant to SciFact) keep a rank position of their own.
std::vector<std::string> document_ranking(const std::vector<Hit>& hits) {
    std::vector<std::string> ranking;
    for (const auto& h : hits) {
        std::string key = h.external_id.empty() ? "chunk:" + std::to_string(h.chunk_id)
                                                : h.external_id;
        if (std::find(ranking.begin(), ranking.end(), key) == ranking.end()) {
            ranking.push_back(std::move(key));
        }
    }
    return ranking;
}

// ---------------------------------------------------------------------------------------------
// Timing

constexpr size_t kTopK = 10;

// Runs queries on one thread per searcher. With `all_each`, every thread runs the whole set
// (warm-up: each connection/reader warms its own caches); otherwise the threads share the set
// through a counter. The clock starts once every thread is ready. `latencies_ms` (one thread)
// gets each query's time; `results` gets searcher 0's hits per query. Returns wall seconds;
// `cpu` (optional) gets the CPU seconds used meanwhile, which tells whether both threads really
// ran at once on this shared machine.
double run_pass(std::vector<std::unique_ptr<Searcher>>& searchers,
                const std::vector<std::string>& queries, bool all_each,
                std::vector<double>* latencies_ms, std::vector<std::vector<Hit>>* results,
                double* cpu = nullptr) {
    std::atomic<size_t> next{0};
    std::latch ready(static_cast<std::ptrdiff_t>(searchers.size()) + 1);
    std::latch go(1);
    std::vector<std::exception_ptr> errors(searchers.size());
    if (latencies_ms) latencies_ms->assign(queries.size(), 0);
    if (results) results->assign(queries.size(), {});

    auto worker = [&](size_t t) {
        try {
            std::vector<Hit> hits;
            size_t own = 0;
            ready.count_down();
            go.wait();
            for (;;) {
                const size_t i = all_each ? own++ : next.fetch_add(1, std::memory_order_relaxed);
                if (i >= queries.size()) break;
                const auto q0 = Clock::now();
                searchers[t]->search(queries[i], kTopK, hits);
                if (latencies_ms) (*latencies_ms)[i] = seconds_since(q0) * 1000.0;
                if (results && t == 0) (*results)[i] = hits;
            }
        } catch (...) {
            errors[t] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    for (size_t t = 0; t < searchers.size(); ++t) threads.emplace_back(worker, t);
    ready.arrive_and_wait();
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    go.count_down();
    for (auto& th : threads) th.join();
    const double seconds = seconds_since(t0);
    if (cpu) *cpu = cpu_seconds() - cpu0;
    for (auto& e : errors) {
        if (e) std::rethrow_exception(e);
    }
    return seconds;
}

struct Engine {
    std::string name;
    double build_seconds = 0;
    uint64_t index_bytes = 0;
    std::function<std::unique_ptr<Searcher>()> open;
    std::string note;  // printed after its measurements in the report

    // Measured.
    double qps1 = 0, qps2 = 0, p50 = 0, p99 = 0, ndcg = 0;
    double qps1_scifact = 0, qps1_drcd = 0;
    double cores2 = 0;  // CPU seconds / wall seconds in the best 2-thread run
    size_t no_hits_scifact = 0, no_hits_drcd = 0;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void measure(Engine& e, const QuerySet& qs, int runs) {
    std::fprintf(stderr, "[%s] warm-up\n", e.name.c_str());
    std::vector<std::unique_ptr<Searcher>> searchers;
    searchers.push_back(e.open());
    searchers.push_back(e.open());
    std::vector<std::vector<Hit>> results;
    run_pass(searchers, qs.text, /*all_each=*/true, nullptr, &results);

    // Quality and coverage from the warm-up results (searcher 0 ran every query).
    double ndcg_sum = 0;
    for (const auto& [query, rels] : qs.qrels) {
        auto it = qs.scifact_index.find(query);
        if (it == qs.scifact_index.end()) fail("qrels name an unknown query " + query);
        ndcg_sum += ndcg_at_10(document_ranking(results[it->second]), rels);
    }
    e.ndcg = qs.qrels.empty() ? 0 : ndcg_sum / static_cast<double>(qs.qrels.size());
    for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].empty()) ++(i < qs.scifact ? e.no_hits_scifact : e.no_hits_drcd);
    }

    std::vector<std::unique_ptr<Searcher>> one;
    one.push_back(std::move(searchers[0]));
    double best1 = 1e300;
    std::vector<double> latencies, best_latencies;
    for (int r = 0; r < runs; ++r) {
        const double s = run_pass(one, qs.text, false, &latencies, nullptr);
        std::fprintf(stderr, "[%s] 1 thread, run %d: %.0f q/s\n", e.name.c_str(), r + 1,
                     static_cast<double>(qs.text.size()) / s);
        if (s < best1) {
            best1 = s;
            best_latencies = latencies;
        }
    }
    searchers[0] = std::move(one[0]);
    double best2 = 1e300;
    for (int r = 0; r < runs; ++r) {
        double cpu = 0;
        const double s = run_pass(searchers, qs.text, false, nullptr, nullptr, &cpu);
        std::fprintf(stderr, "[%s] 2 threads, run %d: %.0f q/s, %.2f cores busy\n",
                     e.name.c_str(), r + 1, static_cast<double>(qs.text.size()) / s, cpu / s);
        if (s < best2) {
            best2 = s;
            e.cores2 = cpu / s;
        }
    }
    const auto n = static_cast<double>(qs.text.size());
    e.qps1 = n / best1;
    e.qps2 = n / best2;
    e.p50 = percentile(best_latencies, 0.50);
    e.p99 = percentile(best_latencies, 0.99);
    double scifact_ms = 0, drcd_ms = 0;
    for (size_t i = 0; i < best_latencies.size(); ++i) {
        (i < qs.scifact ? scifact_ms : drcd_ms) += best_latencies[i];
    }
    e.qps1_scifact = scifact_ms > 0 ? 1000.0 * static_cast<double>(qs.scifact) / scifact_ms : 0;
    e.qps1_drcd = drcd_ms > 0 ? 1000.0 * static_cast<double>(qs.text.size() - qs.scifact) / drcd_ms
                              : 0;
}

// ---------------------------------------------------------------------------------------------
// Building

struct OpenbookBuild {
    double ingest_seconds = 0;
    double rebuild_seconds = 0;  // the lexical index alone, from the catalog
    uint64_t lexical_bytes_after_ingest = 0;
    uint64_t lexical_bytes = 0;  // after the rebuild: the index that is searched
    uint64_t catalog_bytes = 0;
    openbook::IngestReport report;
    openbook::index::IndexStats stats;
};

uint64_t catalog_bytes(const fs::path& dir) {
    uint64_t total = 0;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const fs::path f = dir / (std::string("catalog.db") + suffix);
        if (fs::exists(f)) total += fs::file_size(f);
    }
    return total;
}

OpenbookBuild build_openbook(const fs::path& dir, const std::vector<std::string>& inputs) {
    OpenbookBuild b;
    const auto t0 = Clock::now();
    {
        auto collection = take(openbook::Collection::open(dir, openbook::Collection::Mode::kWrite),
                               "opening the collection");
        b.report = take(collection->ingest(inputs, openbook::IngestOptions{}), "ingest");
    }  // closing is part of the build (the catalog is checkpointed)
    b.ingest_seconds = seconds_since(t0);
    b.lexical_bytes_after_ingest = bench::disk_bytes(dir / openbook::collection::kLexicalDir);

    // The index alone, rebuilt from the catalog: what FTS5 and Xapian are timed on (they too
    // get the chunks ready-made), though openbook also reads them from SQLite here.
    auto lock = take(openbook::core::FileLock::try_acquire(dir / "writer.lock"), "writer lock");
    auto catalog = take(openbook::store::Catalog::open(dir / "catalog.db",
                                                       openbook::store::Catalog::Mode::kReadWrite),
                        "opening the catalog");
    const auto options = take(openbook::collection::analyzer_options(*catalog), "analyzer options");
    const auto t1 = Clock::now();
    check(openbook::collection::rebuild_lexical_index(dir, *catalog, options),
          "rebuilding the index");
    b.rebuild_seconds = seconds_since(t1);
    catalog.reset();
    b.lexical_bytes = bench::disk_bytes(dir / openbook::collection::kLexicalDir);
    b.catalog_bytes = catalog_bytes(dir);
    auto reader = take(openbook::index::LexicalIndexReader::open(
                           dir / openbook::collection::kLexicalDir),
                       "opening the index");
    b.stats = reader->stats();
    return b;
}

// Every chunk as the other engines index it: the same fields openbook's analyzer sees
// (collection::chunk_terms: title, headings that do not repeat it, text).
std::vector<bench::ExportedChunk> export_chunks(const fs::path& dir, uint64_t& text_bytes) {
    auto catalog = take(openbook::store::Catalog::open(dir / "catalog.db",
                                                       openbook::store::Catalog::Mode::kReadOnly),
                        "opening the catalog");
    std::vector<bench::ExportedChunk> chunks;
    text_bytes = 0;
    check(catalog->for_each_chunk([&](const openbook::store::DocumentRecord& d,
                                      const openbook::store::ChunkRecord& c) -> openbook::Status {
              bench::ExportedChunk e;
              e.chunk_id = c.id;
              e.external_id = d.external_id;
              e.body = d.title;
              for (const auto& heading : c.heading_path) {
                  if (heading != d.title) e.body += "\n" + heading;
              }
              e.body += "\n" + c.text;
              text_bytes += e.body.size();
              chunks.push_back(std::move(e));
              return {};
          }),
          "exporting chunks");
    return chunks;
}

template <class F>
double timed(F&& f) {
    const auto t0 = Clock::now();
    f();
    return seconds_since(t0);
}

// ---------------------------------------------------------------------------------------------
// Report

std::string ratio(double a, double b) { return b > 0 ? fmt(a / b, 2) + "×" : "–"; }

std::string report(const std::vector<Engine>& engines, const OpenbookBuild& ob,
                   const QuerySet& qs, size_t chunks, uint64_t text_bytes, double export_seconds,
                   bench::Bm25Params params, int runs) {
    std::ostringstream out;
    out << "## Lexical retrieval: openbook vs SQLite FTS5 vs Xapian\n\n";
    out << "Corpus: SciFact + d2l-en + d2l-zh + War and Peace: " << ob.report.documents
        << " documents, " << chunks << " chunks, " << fmt(mb(text_bytes), 1)
        << " MB of chunk text. Queries: " << qs.text.size() << " (" << qs.scifact
        << " SciFact + " << qs.text.size() - qs.scifact << " DRCD), top " << kTopK
        << ", best of " << runs << " runs after one warm-up pass. BM25 k1 = " << params.k1
        << ", b = " << params.b << " (FTS5: fixed 1.2 / 0.75). nDCG@10 on the "
        << qs.qrels.size() << " SciFact test queries.\n\n";
    out << "| engine | build s | index MB | qps 1T | qps 2T | p50 ms | p99 ms | SciFact nDCG@10 |\n";
    out << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& e : engines) {
        out << "| " << e.name << " | " << fmt(e.build_seconds, 2) << " | "
            << fmt(mb(e.index_bytes), 1) << " | " << fmt(e.qps1, 0) << " | " << fmt(e.qps2, 0)
            << " | " << fmt(e.p50, 3) << " | " << fmt(e.p99, 3) << " | " << fmt(e.ndcg, 4)
            << " |\n";
    }
    const Engine& o = engines.front();
    out << "\n| openbook / … | qps 1T | qps 2T | build (ingest + index) | build (index only) |\n";
    out << "|---|---:|---:|---:|---:|\n";
    for (size_t i = 1; i < engines.size(); ++i) {
        const Engine& e = engines[i];
        out << "| " << e.name << " | " << ratio(o.qps1, e.qps1) << " | " << ratio(o.qps2, e.qps2)
            << " | " << ratio(o.build_seconds, e.build_seconds) << " | "
            << ratio(ob.rebuild_seconds, e.build_seconds) << " |\n";
    }
    out << "\nPer query set, 1 thread (q/s SciFact / DRCD); queries with no hit (SciFact / "
           "DRCD); CPU cores busy in the best 2-thread run:\n\n";
    for (const auto& e : engines) {
        out << "- " << e.name << ": " << fmt(e.qps1_scifact, 0) << " / " << fmt(e.qps1_drcd, 0)
            << " q/s; no hit: " << e.no_hits_scifact << " / " << e.no_hits_drcd << "; "
            << fmt(e.cores2, 2) << " cores" << (e.note.empty() ? "" : "; " + e.note) << "\n";
    }
    out << "\nNotes:\n\n";
    out << "- openbook build = Collection::ingest of the raw files (read, parse, chunk, catalog "
           "in SQLite, analyze, index) = "
        << fmt(ob.ingest_seconds, 2) << " s; the lexical index alone rebuilt from the catalog: "
        << fmt(ob.rebuild_seconds, 2) << " s. FTS5/Xapian build from the exported chunks in "
           "memory (export took "
        << fmt(export_seconds, 2) << " s, not counted), including FTS5 'optimize' and "
                                     "Xapian compaction.\n";
    out << "- openbook index MB = the collection's lexical/ directory (searched, after the "
           "rebuild; "
        << fmt(mb(ob.lexical_bytes_after_ingest), 1) << " MB straight after ingest): "
        << ob.stats.segments << " segment(s), " << ob.stats.terms << " terms, "
        << ob.stats.postings << " postings. catalog.db (text, chunks, metadata): "
        << fmt(mb(ob.catalog_bytes), 1) << " MB, not counted.\n";
    out << "- FTS5 index MB = used pages of its SQLite file (contentless table + rowid→external-id "
           "table); Xapian = the compacted glass database, no positions.\n";
    double load = 0;
    getloadavg(&load, 1);  // others' work on this shared machine skews qps, 2 threads above all
    out << "- Machine: " << std::thread::hardware_concurrency() << " hardware threads, shared "
        << "(1-minute load average at the end: " << fmt(load, 2) << "); openbook's postings decoded per second is not exposed "
           "by its public API and is omitted.\n";
    return out.str();
}

struct Args {
    fs::path data = OPENBOOK_SHARED_DATA_DEFAULT;
    fs::path out;
    fs::path work;
    int runs = 3;
    bool keep = false;
    std::string engines = "openbook,fts5,fts5-trigram,xapian,xapian-or";  // which to compare

    bool wants(const std::string& engine) const {
        return ("," + engines + ",").find("," + engine + ",") != std::string::npos;
    }
};

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) fail(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--data") {
            a.data = value();
        } else if (arg == "--out") {
            a.out = value();
        } else if (arg == "--work") {
            a.work = value();
        } else if (arg == "--runs") {
            a.runs = std::max(1, std::stoi(value()));
        } else if (arg == "--engines") {
            a.engines = value();
        } else if (arg == "--keep") {
            a.keep = true;
        } else if (arg == "-h" || arg == "--help") {
            std::cout << "usage: lexical_compare [--data DIR] [--runs N] [--out FILE] "
                         "[--work DIR] [--keep]\n"
                         "                       [--engines "
                         "openbook,fts5,fts5-trigram,xapian,xapian-or]\n"
                         "openbook is always built (the other engines index its chunks); the "
                         "report's ratios need it listed.\n";
            std::exit(0);
        } else {
            fail("unknown argument " + arg + " (see --help)");
        }
    }
    return a;
}

int run(const Args& args) {
    const QuerySet qs = load_queries(args.data);
    const fs::path work = args.work.empty()
                              ? fs::temp_directory_path() /
                                    ("openbook-lexical-compare-" + std::to_string(getpid()))
                              : args.work;
    if (fs::exists(work / "openbook")) fail(work.string() + " already holds a collection");
    const bool created_work = !fs::exists(work);  // only a directory we made is removed at the end
    fs::create_directories(work);
    const std::vector<std::string> inputs = {
        (args.data / "scifact" / "beir" / "corpus.jsonl").string(),
        (args.data / "d2l-en").string(), (args.data / "d2l-zh").string(),
        (args.data / "ollama-testdata" / "war-and-peace.txt").string()};
    for (const auto& in : inputs) {
        if (!fs::exists(in)) fail("missing input " + in);
    }

    std::fprintf(stderr, "building openbook in %s\n", work.c_str());
    const fs::path ob_dir = work / "openbook";
    const OpenbookBuild ob = build_openbook(ob_dir, inputs);
    if (ob.report.has_failures()) {
        std::fprintf(stderr, "note: %zu file(s) failed to ingest (compared anyway)\n",
                     ob.report.failed);
    }

    uint64_t text_bytes = 0;
    std::vector<bench::ExportedChunk> chunks;
    const double export_seconds = timed([&] { chunks = export_chunks(ob_dir, text_bytes); });
    std::fprintf(stderr, "exported %zu chunks\n", chunks.size());

    openbook::SearchRequest defaults;
    const bench::Bm25Params params{defaults.k1, defaults.b};
    std::vector<Engine> engines;
    if (!args.wants("openbook")) fail("--engines must include openbook (the reference)");
    engines.push_back({"openbook", ob.ingest_seconds, ob.lexical_bytes,
                       [=] { return bench::open_openbook(ob_dir, params); }});
    for (auto variant : {bench::Fts5Variant::kUnicode61, bench::Fts5Variant::kTrigram}) {
        if (!args.wants(variant == bench::Fts5Variant::kTrigram ? "fts5-trigram" : "fts5")) {
            continue;
        }
        const fs::path file = work / (variant == bench::Fts5Variant::kTrigram ? "fts5-trigram.db"
                                                                               : "fts5.db");
        std::fprintf(stderr, "building FTS5 (%s)\n", bench::fts5_tokenizer_spec(variant));
        const double s = timed([&] { bench::build_fts5(file, chunks, variant); });
        engines.push_back({std::string("FTS5 ") + (variant == bench::Fts5Variant::kTrigram
                                                       ? "trigram"
                                                       : "unicode61"),
                           s, bench::fts5_used_bytes(file),
                           [=] { return bench::open_fts5(file, variant); }});
    }
    if (args.wants("xapian") || args.wants("xapian-or")) {
        std::fprintf(stderr, "building Xapian\n");
        const fs::path xapian_dir = work / "xapian";
        const double xapian_seconds = timed([&] { bench::build_xapian(xapian_dir, chunks); });
        const uint64_t xapian_bytes = bench::disk_bytes(xapian_dir);
        // Xapian 1.4 always writes a termlist (a forward index); say how much of it there is.
        const std::string note =
            "postlist " + fmt(mb(bench::disk_bytes(xapian_dir / "postlist.glass")), 1) +
            " MB, termlist " + fmt(mb(bench::disk_bytes(xapian_dir / "termlist.glass")), 1) +
            " MB";
        if (args.wants("xapian")) {
            engines.push_back({"Xapian (QueryParser)", xapian_seconds, xapian_bytes, [=] {
                                   return bench::open_xapian(xapian_dir, params,
                                                             bench::XapianQueryMode::kQueryParser);
                               }, note});
        }
        if (args.wants("xapian-or")) {
            engines.push_back({"Xapian (terms OR-ed)", xapian_seconds, xapian_bytes, [=] {
                                   return bench::open_xapian(xapian_dir, params,
                                                             bench::XapianQueryMode::kFlatOr);
                               }, note});
        }
    }

    for (auto& e : engines) measure(e, qs, args.runs);

    const std::string table = report(engines, ob, qs, chunks.size(), text_bytes, export_seconds,
                                     params, args.runs);
    std::cout << table;
    if (!args.out.empty()) {
        std::ofstream out(args.out);
        out << table;
        if (!out) fail("cannot write " + args.out.string());
    }
    if (!args.keep && created_work) {
        std::error_code ec;
        fs::remove_all(work, ec);
    } else {
        std::fprintf(stderr, "kept %s\n", work.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_args(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lexical_compare: %s\n", e.what());
        return 1;
    }
}
