#include "openbook/settings.h"

#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace openbook {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

// Sets (or, with nullopt, unsets) an environment variable and restores it afterwards, so that
// no test reads the real ~/.config or leaves the environment changed.
class ScopedEnv {
public:
    ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) {
            ::setenv(name, value->c_str(), 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

// HOME, XDG_CONFIG_HOME and OPENBOOK_CONFIG pointed into a temporary directory (or unset).
struct IsolatedEnv {
    explicit IsolatedEnv(const TempDir& dir)
        : home("HOME", (dir / "home").string()),
          xdg("XDG_CONFIG_HOME", std::nullopt),
          config("OPENBOOK_CONFIG", std::nullopt) {}
    ScopedEnv home, xdg, config;
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// `key = 'value'`: a TOML literal string, so a path needs no escaping.
std::string fmt_path_line(const std::string& key, const std::string& value) {
    return key + " = '" + value + "'\n";
}

Status parse_error(std::string_view text, const fs::path& file = "openbook.toml") {
    auto r = parse_answer_settings(text, file);
    EXPECT_FALSE(r.has_value()) << "expected an error for:\n" << text;
    return r.has_value() ? Status() : r.error();
}

TEST(Settings, NeighboursMayBeZeroButNotNegative) {
    TempDir dir;
    auto r = parse_answer_settings("neighbours = -1\n", dir / "openbook.toml");
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message().find("openbook.toml:1: 'neighbours' must be an integer >= 0"),
              std::string::npos)
        << r.error().message();
    r = parse_answer_settings("neighbours = 2\n", dir / "openbook.toml");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->neighbours, 2);
}

TEST(Settings, TopLevelKeys) {
    TempDir dir;
    auto r = parse_answer_settings(R"(model = "qwen2.5:0.5b"
persona = "你是台灣人，用繁體中文回答"
k = 5
budget = 3000
max_tokens = 400
temperature = 0.2
context = 4096
threads = 2
neighbours = 0
)",
                                   dir / "openbook.toml");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->neighbours, 0);
    EXPECT_EQ(r->model, "qwen2.5:0.5b");
    EXPECT_EQ(r->persona, "你是台灣人，用繁體中文回答");
    EXPECT_FALSE(r->persona_file.has_value());
    EXPECT_EQ(r->k, 5);
    EXPECT_EQ(r->budget, 3000);
    EXPECT_EQ(r->max_tokens, 400);
    EXPECT_DOUBLE_EQ(r->temperature.value(), 0.2);
    EXPECT_EQ(r->context, 4096);
    EXPECT_EQ(r->threads, 2);
    EXPECT_TRUE(r->notes.empty());
    ASSERT_EQ(r->files.size(), 1u);
    EXPECT_EQ(r->files[0], dir / "openbook.toml");
    EXPECT_FALSE(r->empty());
}

TEST(Settings, AnswerTable) {
    auto r = parse_answer_settings(R"(# settings for this collection
[answer]
k = 7
temperature = 0
persona = "A patient teacher."

[server]
port = 8080
)",
                                   "openbook.toml");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->k, 7);
    EXPECT_DOUBLE_EQ(r->temperature.value(), 0.0);  // an integer is accepted
    EXPECT_EQ(r->persona, "A patient teacher.");
    EXPECT_FALSE(r->budget.has_value());
    ASSERT_EQ(r->notes.size(), 1u);
    EXPECT_EQ(r->notes[0], "openbook.toml:7: unknown table 'server' (ignored)");
}

TEST(Settings, SameKeyAtTopLevelAndInAnswerTableIsAnError) {
    Status s = parse_error("k = 3\n[answer]\nk = 4\n");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(contains(s.message(), "'k' is set twice")) << s.message();
    EXPECT_TRUE(contains(s.message(), "openbook.toml:")) << s.message();
}

TEST(Settings, AnswerMustBeATable) {
    Status s = parse_error("answer = 3\n");
    EXPECT_TRUE(contains(s.message(), "openbook.toml:1: 'answer' must be a table, got integer"))
        << s.message();
}

TEST(Settings, EmptyTextGivesEmptySettings) {
    auto r = parse_answer_settings("# nothing yet\n", "openbook.toml");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_TRUE(r->empty());
    EXPECT_TRUE(r->notes.empty());
}

TEST(Settings, UnknownKeyIsANoteWithFileAndLine) {
    auto r = parse_answer_settings("k = 3\n\n# typo below\ntemprature = 0.5\n[answer]\nbudgt = 9\n",
                                   "openbook.toml");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->k, 3);
    EXPECT_FALSE(r->temperature.has_value());
    ASSERT_EQ(r->notes.size(), 2u);
    EXPECT_EQ(r->notes[0], "openbook.toml:4: unknown key 'temprature' (ignored)");
    EXPECT_EQ(r->notes[1], "openbook.toml:6: unknown [answer] key 'budgt' (ignored)");
}

TEST(Settings, SyntaxErrorNamesFileAndLine) {
    Status s = parse_error("k = 5\nbudget = 3000\ntemperature = = 0.2\n", "/x/openbook.toml");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message().rfind("/x/openbook.toml:3:", 0), 0u) << s.message();

    Status unclosed = parse_error("persona = \"unterminated\nk = 5\n");
    EXPECT_EQ(unclosed.message().rfind("openbook.toml:1:", 0), 0u) << unclosed.message();
}

TEST(Settings, WrongTypeNamesKeyAndLine) {
    Status k = parse_error("# comment\n\nk = \"five\"\n");
    EXPECT_EQ(k.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(k.message(), "openbook.toml:3: 'k' must be a positive integer, got string");

    Status model = parse_error("[answer]\nmodel = 42\n");
    EXPECT_EQ(model.message(), "openbook.toml:2: 'model' must be a string, got integer");

    Status budget = parse_error("budget = 3000.5\n");
    EXPECT_EQ(budget.message(), "openbook.toml:1: 'budget' must be a positive integer, got float");

    Status temp = parse_error("temperature = \"hot\"\n");
    EXPECT_EQ(temp.message(), "openbook.toml:1: 'temperature' must be a number >= 0, got string");

    Status persona = parse_error("persona = [\"a\", \"b\"]\n");
    EXPECT_EQ(persona.message(), "openbook.toml:1: 'persona' must be a string, got array");
}

TEST(Settings, OutOfRangeValuesNameKeyAndLine) {
    EXPECT_EQ(parse_error("k = -3\n").message(),
              "openbook.toml:1: 'k' must be a positive integer, got -3");
    EXPECT_EQ(parse_error("\nthreads = 0\n").message(),
              "openbook.toml:2: 'threads' must be a positive integer, got 0");
    EXPECT_EQ(parse_error("context = 99999999999\n").message(),
              "openbook.toml:1: 'context' must be at most 2147483647, got 99999999999");
    EXPECT_EQ(parse_error("temperature = -0.5\n").message(),
              "openbook.toml:1: 'temperature' must be a number >= 0, got -0.5");
    EXPECT_TRUE(contains(parse_error("temperature = nan\n").message(),
                         "'temperature' must be a number >= 0"));
    EXPECT_TRUE(contains(parse_error("max_tokens = -1\n").message(), "'max_tokens'"));
}

TEST(Settings, RelativePathsResolveAgainstTheFilesDirectory) {
    TempDir dir;
    write_file(dir / "cfg" / "models" / "tiny.gguf", "GGUF");
    write_file(dir / "cfg" / "persona.txt", "Be brief.\n");
    const fs::path file = dir / "cfg" / "openbook.toml";

    auto r = parse_answer_settings(
        "model = \"models/tiny.gguf\"\npersona_file = \"persona.txt\"\n"
        "examples = \"shots/few.jsonl\"\n",
        file);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(fs::path(r->model.value()), dir / "cfg" / "models" / "tiny.gguf");
    EXPECT_EQ(r->persona_file, dir / "cfg" / "persona.txt");
    EXPECT_EQ(r->persona, "Be brief.");
    // examples is read when used, so it need not exist yet; it is still relative to the file.
    EXPECT_EQ(r->examples, dir / "cfg" / "shots" / "few.jsonl");

    // No such file next to the settings: a model reference or a path for later, kept as written.
    auto alias = parse_answer_settings("model = \"qwen2.5:0.5b\"\n", file);
    ASSERT_TRUE(alias.has_value()) << alias.error().to_string();
    EXPECT_EQ(alias->model, "qwen2.5:0.5b");
    auto missing = parse_answer_settings("model = \"models/absent.gguf\"\n", file);
    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(missing->model, "models/absent.gguf");

    // An absolute path is kept (normalized).
    auto absolute = parse_answer_settings(
        fmt_path_line("model", (dir / "elsewhere" / ".." / "m.gguf").string()), file);
    ASSERT_TRUE(absolute.has_value()) << absolute.error().to_string();
    EXPECT_EQ(fs::path(absolute->model.value()), dir / "m.gguf");
}

TEST(Settings, TildeExpandsToHome) {
    TempDir dir;
    IsolatedEnv env(dir);
    write_file(dir / "home" / "persona.md", "Answer like a librarian.");
    auto r = parse_answer_settings(
        "model = \"~/models/qwen2.5-0.5b-instruct-q4_k_m.gguf\"\npersona_file = \"~/persona.md\"\n"
        "examples = \"~/shots.jsonl\"\n",
        dir / "project" / "openbook.toml");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(fs::path(r->model.value()),
              dir / "home" / "models" / "qwen2.5-0.5b-instruct-q4_k_m.gguf");
    EXPECT_EQ(r->persona_file, dir / "home" / "persona.md");
    EXPECT_EQ(r->persona, "Answer like a librarian.");
    EXPECT_EQ(r->examples, dir / "home" / "shots.jsonl");

    ScopedEnv no_home("HOME", std::nullopt);
    Status s = parse_error("\nmodel = \"~/m.gguf\"\n");
    EXPECT_EQ(s.message(), "openbook.toml:2: 'model' starts with '~' but $HOME is not set");
}

TEST(Settings, PersonaFileKeepsUtf8Chinese) {
    TempDir dir;
    const std::string persona = "你是台灣人，用繁體中文回答。\n引用來源時寫 [n]。";
    // A BOM and the final newline are editor artifacts, not part of the persona.
    write_file(dir / "persona.txt", "\xEF\xBB\xBF" + persona + "\r\n\n");
    auto r =
        parse_answer_settings("[answer]\npersona_file = \"persona.txt\"\n", dir / "openbook.toml");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->persona, persona);
    EXPECT_EQ(r->persona_file, dir / "persona.txt");
}

TEST(Settings, PersonaAndPersonaFileTogetherIsAnError) {
    TempDir dir;
    write_file(dir / "p.txt", "x");
    auto r = parse_answer_settings("persona = \"inline\"\npersona_file = \"p.txt\"\n",
                                   dir / "openbook.toml");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(contains(r.error().message(), "'persona' or 'persona_file'"))
        << r.error().message();
    EXPECT_TRUE(contains(r.error().message(), "openbook.toml:1:")) << r.error().message();
}

TEST(Settings, UnreadablePersonaFileIsAnErrorNamingIt) {
    TempDir dir;
    auto r = parse_answer_settings("k = 2\npersona_file = \"nope.txt\"\n", dir / "openbook.toml");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
    EXPECT_TRUE(contains(r.error().message(), "openbook.toml:2: 'persona_file'"))
        << r.error().message();
    EXPECT_TRUE(contains(r.error().message(), (dir / "nope.txt").string())) << r.error().message();

    // A directory cannot be read as a persona either.
    fs::create_directories(dir / "adir");
    auto d = parse_answer_settings("persona_file = \"adir\"\n", dir / "openbook.toml");
    EXPECT_FALSE(d.has_value());
}

TEST(Settings, UserSettingsPathPrefersXdgConfigHome) {
    ScopedEnv home("HOME", "/home/someone");
    {
        ScopedEnv xdg("XDG_CONFIG_HOME", "/xdg/conf");
        EXPECT_EQ(user_settings_path(), fs::path("/xdg/conf/openbook/config.toml"));
    }
    {
        ScopedEnv xdg("XDG_CONFIG_HOME", "");  // set but empty: ignored, as the spec says
        EXPECT_EQ(user_settings_path(), fs::path("/home/someone/.config/openbook/config.toml"));
    }
    {
        ScopedEnv xdg("XDG_CONFIG_HOME", std::nullopt);
        EXPECT_EQ(user_settings_path(), fs::path("/home/someone/.config/openbook/config.toml"));
        ScopedEnv no_home("HOME", std::nullopt);
        EXPECT_TRUE(user_settings_path().empty());
    }
}

TEST(Settings, LoadMergesUserFileThenCollectionFile) {
    TempDir dir;
    IsolatedEnv env(dir);
    ScopedEnv xdg("XDG_CONFIG_HOME", (dir / "xdg").string());
    const fs::path user = dir / "xdg" / "openbook" / "config.toml";
    write_file(user,
               "model = \"qwen2.5:0.5b\"\npersona = \"user persona\"\nk = 3\n"
               "temperature = 0.7\nmistake = 1\n");
    const fs::path collection = dir / "coll" / ".openbook";
    write_file(collection / "openbook.toml", "[answer]\nk = 8\nbudget = 2000\n");

    auto r = load_answer_settings(collection);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->model, "qwen2.5:0.5b");  // from the user file
    EXPECT_EQ(r->persona, "user persona");
    EXPECT_DOUBLE_EQ(r->temperature.value(), 0.7);
    EXPECT_EQ(r->k, 8);  // the collection file wins
    EXPECT_EQ(r->budget, 2000);
    ASSERT_EQ(r->files.size(), 2u);
    EXPECT_EQ(r->files[0], user);
    EXPECT_EQ(r->files[1], collection / "openbook.toml");
    ASSERT_EQ(r->notes.size(), 1u);
    EXPECT_EQ(r->notes[0], user.string() + ":5: unknown key 'mistake' (ignored)");
}

TEST(Settings, LoadReadsHomeConfigWithoutXdg) {
    TempDir dir;
    IsolatedEnv env(dir);
    write_file(dir / "home" / ".config" / "openbook" / "config.toml", "threads = 3\n");
    auto r = load_answer_settings(dir / "no-collection");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->threads, 3);
    EXPECT_EQ(r->files.size(), 1u);
}

TEST(Settings, OpenbookConfigNamesTheUserFile) {
    TempDir dir;
    IsolatedEnv env(dir);
    ScopedEnv xdg("XDG_CONFIG_HOME", (dir / "xdg").string());
    write_file(dir / "xdg" / "openbook" / "config.toml", "k = 1\nmax_tokens = 50\n");
    write_file(dir / "scripted.toml", "k = 9\n");
    {
        ScopedEnv config("OPENBOOK_CONFIG", (dir / "scripted.toml").string());
        auto r = load_answer_settings({});
        ASSERT_TRUE(r.has_value()) << r.error().to_string();
        EXPECT_EQ(r->k, 9);
        EXPECT_FALSE(r->max_tokens.has_value());  // the XDG file was not read
        ASSERT_EQ(r->files.size(), 1u);
        EXPECT_EQ(r->files[0], dir / "scripted.toml");
    }
    {
        // Named explicitly, so a missing file is an error, not silence.
        ScopedEnv config("OPENBOOK_CONFIG", (dir / "typo.toml").string());
        auto r = load_answer_settings({});
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
        EXPECT_TRUE(contains(r.error().message(), "typo.toml")) << r.error().message();
    }
    {
        ScopedEnv config("OPENBOOK_CONFIG", "/dev/null");  // the documented way to turn it off
        auto r = load_answer_settings({});
        ASSERT_TRUE(r.has_value()) << r.error().to_string();
        EXPECT_TRUE(r->empty());
    }
    {
        ScopedEnv config("OPENBOOK_CONFIG", "");  // empty: as if unset
        auto r = load_answer_settings({});
        ASSERT_TRUE(r.has_value()) << r.error().to_string();
        EXPECT_EQ(r->k, 1);
    }
}

TEST(Settings, MissingFilesGiveEmptySettings) {
    TempDir dir;
    IsolatedEnv env(dir);
    auto r = load_answer_settings(dir / "coll");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_TRUE(r->empty());
    EXPECT_TRUE(r->files.empty());
    EXPECT_TRUE(r->notes.empty());

    ScopedEnv no_home("HOME", std::nullopt);  // no user file to look for at all
    auto none = load_answer_settings({});
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none->empty());
}

TEST(Settings, LoadFailsOnAnInvalidFileNamingIt) {
    TempDir dir;
    IsolatedEnv env(dir);
    write_file(dir / "home" / ".config" / "openbook" / "config.toml", "k = 4\n");
    const fs::path collection = dir / "coll";
    write_file(collection / "openbook.toml", "k = 4\nbudget = \"lots\"\n");
    auto r = load_answer_settings(collection);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message(), (collection / "openbook.toml").string() +
                                       ":2: 'budget' must be a positive integer, got string");

    write_file(collection / "openbook.toml", "k = [\n");
    auto syntax = load_answer_settings(collection);
    ASSERT_FALSE(syntax.has_value());
    EXPECT_TRUE(contains(syntax.error().message(), (collection / "openbook.toml").string() + ":"))
        << syntax.error().message();

    // A directory where the file should be is an error too, not "missing".
    fs::remove(collection / "openbook.toml");
    fs::create_directories(collection / "openbook.toml");
    auto directory = load_answer_settings(collection);
    ASSERT_FALSE(directory.has_value());
    EXPECT_TRUE(contains(directory.error().message(), "openbook.toml"))
        << directory.error().message();
}

TEST(Settings, PersonaInALaterFileReplacesAnEarlierPersonaFile) {
    TempDir dir;
    IsolatedEnv env(dir);
    write_file(dir / "home" / "persona.txt", "from a file");
    write_file(dir / "home" / ".config" / "openbook" / "config.toml",
               "persona_file = \"~/persona.txt\"\n");
    const fs::path collection = dir / "coll";
    write_file(collection / "openbook.toml", "persona = \"inline\"\n");
    auto r = load_answer_settings(collection);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->persona, "inline");
    EXPECT_FALSE(r->persona_file.has_value());
}

TEST(Settings, MergeIntoOverridesFieldByField) {
    AnswerSettings files;
    files.model = "a.gguf";
    files.k = 3;
    files.temperature = 0.5;
    files.files = {"config.toml"};
    files.notes = {"a note"};

    AnswerSettings flags;  // what the command line gave
    flags.k = 10;
    flags.temperature = 0.0;  // a set zero overrides too
    merge_into(files, flags);
    EXPECT_EQ(files.model, "a.gguf");
    EXPECT_EQ(files.k, 10);
    EXPECT_DOUBLE_EQ(files.temperature.value(), 0.0);
    EXPECT_EQ(files.files.size(), 1u);
    EXPECT_EQ(files.notes.size(), 1u);

    AnswerSettings empty;
    EXPECT_TRUE(empty.empty());
    merge_into(files, empty);
    EXPECT_EQ(files.k, 10);
}

}  // namespace
}  // namespace openbook
