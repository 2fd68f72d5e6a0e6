// heap/interpreter_memory.cpp on synthetic memory: the statics of 3.8-3.11 found by their file
// and name, every failed read a note, the versions whose places pyxray does not reach said so;
// the file-qualified static lookup on a real libpython's .symtab; and live interpreters of the
// matrix against what their own sys._debugmallocstats() said just before they blocked.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "heap/interpreter_memory.hpp"
#include "interp/runtime_locator.hpp"
#include "live_python.hpp"
#include "matrix_interpreters.hpp"
#include "pyxray/process.hpp"
#include "symbols/build_id.hpp"
#include "symbols/elf_symbols.hpp"

namespace {

using pyxray::InterpreterMemory;

constexpr const char* kLibrary = "/opt/py/lib/libpython3.8.so.1.0";

// One module, libpython, whose symbols come from a table (name -> address).
class SymbolsTarget final : public pyxray::Target {
public:
    SymbolsTarget(std::map<std::string, uint64_t> symbols, bool readable_symbols = true)
        : symbols_(std::move(symbols)), readable_symbols_(readable_symbols) {}
    const pyxray::Memory& memory() const override { return memory_; }
    pyxray::TargetInfo info() const override { return {}; }
    pyxray::Result<std::vector<pyxray::ModuleInfo>> modules() const override {
        return std::vector<pyxray::ModuleInfo>{{"/usr/bin/python3", 0x400000}, {kLibrary, 0x7f0000000000}};
    }
    pyxray::Result<std::vector<pyxray::ThreadInfo>> threads() const override {
        return std::vector<pyxray::ThreadInfo>{};
    }
    pyxray::Result<std::vector<pyxray::NativeFrame>> native_frames(int64_t) const override {
        return std::vector<pyxray::NativeFrame>{};
    }
    pyxray::Result<std::unique_ptr<pyxray::ModuleSymbols>> module_symbols(
        const pyxray::ModuleInfo& module, std::span<const std::string_view>) const override {
        if (!readable_symbols_) return pyxray::fail(pyxray::ErrorCode::Io, "no file here");
        struct Symbols final : pyxray::ModuleSymbols {
            std::map<std::string, uint64_t> table;
            std::optional<uint64_t> symbol(std::string_view name) const override {
                auto found = table.find(std::string(name));
                if (found == table.end()) return std::nullopt;
                return found->second;
            }
            std::optional<pyxray::LoadedSection> section(std::string_view) const override {
                return std::nullopt;
            }
        };
        auto symbols = std::make_unique<Symbols>();
        if (module.path == kLibrary) symbols->table = symbols_;
        return std::unique_ptr<pyxray::ModuleSymbols>(std::move(symbols));
    }
    template <typename T>
    void put(uint64_t address, T value) {
        memory_.add(address, &value, sizeof(value));
    }

private:
    pyxray::BufferMemory memory_;
    std::map<std::string, uint64_t> symbols_;
    bool readable_symbols_;
};

pyxray::RuntimeInfo runtime(uint32_t version_hex, bool free_threaded = false) {
    pyxray::RuntimeInfo info;
    info.version_hex = version_hex;
    info.library = kLibrary;
    info.free_threaded = free_threaded;
    return info;
}

std::map<std::string, uint64_t> symbols_38() {
    return {{"obmalloc.c:narenas_currently_allocated", 0x1000},
            {"unicodeobject.c:interned", 0x1008},
            {"floatobject.c:numfree", 0x1010},
            {"listobject.c:numfree", 0x1014},
            {"dictobject.c:numfree", 0x1018},
            {"dictobject.c:numfreekeys", 0x101c},
            {"frameobject.c:numfree", 0x1020},
            {"classobject.c:numfree", 0x1024},
            {"methodobject.c:numfree", 0x1028},
            {"genobject.c:ag_value_freelist_free", 0x102c},
            {"genobject.c:ag_asend_freelist_free", 0x1030},
            {"tupleobject.c:numfree", 0x1100}};
}

constexpr uint64_t kInternedDict = 0x5000;

// A 3.8 process: 7 arenas, free lists 1..9 long, the tuples' i-sized list 100 + i, 4321 interned.
void fill_38(SymbolsTarget& target) {
    target.put<uint64_t>(0x1000, 7);
    target.put<uint64_t>(0x1008, kInternedDict);
    for (int i = 0; i < 9; ++i) target.put<int32_t>(0x1010 + 4 * i, i + 1);
    for (int i = 0; i < 20; ++i) target.put<int32_t>(0x1100 + 4 * i, 100 + i);
    const auto& dict = pyxray::offsets_3_8().objects.dict_object;
    target.put<int64_t>(kInternedDict + dict.ma_used, 4321);
}

uint64_t free_list(const InterpreterMemory& memory, const std::string& name) {
    for (const auto& list : memory.free_lists)
        if (list.name == name) return list.count;
    ADD_FAILURE() << "no free list " << name;
    return 0;
}

std::string joined(const std::vector<std::string>& notes) {
    std::string out;
    for (const auto& note : notes) out += note + "\n";
    return out;
}

TEST(InterpreterMemory, Python38StaticsAreReadByFileAndName) {
    SymbolsTarget target(symbols_38());
    fill_38(target);
    auto memory = pyxray::interpreter_memory(target, pyxray::offsets_3_8(), runtime(0x030812f0), 0);
    EXPECT_TRUE(memory.notes.empty()) << joined(memory.notes);
    EXPECT_EQ(memory.arenas_in_use, 7u);
    EXPECT_EQ(memory.arena_size, 256u * 1024);
    EXPECT_EQ(memory.interned_strings, 4321u);
    EXPECT_EQ(free_list(memory, "float"), 1u);
    EXPECT_EQ(free_list(memory, "list"), 2u);
    EXPECT_EQ(free_list(memory, "dict"), 3u);
    EXPECT_EQ(free_list(memory, "dict keys"), 4u);
    EXPECT_EQ(free_list(memory, "frame"), 5u);
    EXPECT_EQ(free_list(memory, "method"), 6u);
    EXPECT_EQ(free_list(memory, "async_gen asend"), 9u);
    EXPECT_EQ(free_list(memory, "tuple[1]"), 101u);  // free 0-tuples are the singleton: not listed
    EXPECT_EQ(free_list(memory, "tuple[19]"), 119u);
    EXPECT_EQ(memory.free_lists.size(), 9u + 19u);
}

TEST(InterpreterMemory, Python39HasNoMethodFreeLists) {
    SymbolsTarget target(symbols_38());
    fill_38(target);
    auto memory = pyxray::interpreter_memory(target, pyxray::offsets_3_9(), runtime(0x030912f0), 0);
    for (const auto& list : memory.free_lists) {
        EXPECT_NE(list.name, "method");
        EXPECT_NE(list.name, "builtin method");
    }
    EXPECT_EQ(free_list(memory, "frame"), 5u);
}

// A core that left pages out: each number it cannot tell is a note, the others are still told.
TEST(InterpreterMemory, AnUnreadableFieldIsANoteNotAFailure) {
    SymbolsTarget target(symbols_38());
    target.put<uint64_t>(0x1008, kInternedDict);  // the interned dict's own page is missing
    for (int i = 0; i < 9; ++i) target.put<int32_t>(0x1010 + 4 * i, i + 1);
    target.put<int32_t>(0x1100, 0);  // tuple numfree[0] only: [1] onwards are missing
    auto memory = pyxray::interpreter_memory(target, pyxray::offsets_3_8(), runtime(0x030812f0), 0);
    EXPECT_FALSE(memory.arenas_in_use.has_value());
    EXPECT_FALSE(memory.interned_strings.has_value());
    EXPECT_EQ(free_list(memory, "float"), 1u);
    std::string notes = joined(memory.notes);
    EXPECT_NE(notes.find("arenas: narenas_currently_allocated at 0x1000 is unreadable"), std::string::npos)
        << notes;
    EXPECT_NE(notes.find("free list tuple[1]: its length at 0x1104 is unreadable"), std::string::npos)
        << notes;
    EXPECT_NE(notes.find("interned strings: the interned dict's ma_used"), std::string::npos) << notes;
    EXPECT_EQ(memory.notes.size(), 3u) << notes;
}

TEST(InterpreterMemory, WithoutSymbolsEachStaticSaysWhy) {
    SymbolsTarget stripped({});
    auto memory = pyxray::interpreter_memory(stripped, pyxray::offsets_3_11(), runtime(0x030b02f0), 0);
    EXPECT_FALSE(memory.arenas_in_use.has_value());
    EXPECT_EQ(memory.arena_size, 1024u * 1024);
    std::string notes = joined(memory.notes);
    EXPECT_NE(notes.find("interned strings: `interned` is a static of unicodeobject.c, and " +
                         std::string(kLibrary) + " has no symbol for it"),
              std::string::npos)
        << notes;
    EXPECT_NE(notes.find("free list float: its length at"), std::string::npos) << notes;  // interp 0
    pyxray::RuntimeInfo debug = runtime(0x030b02f0);
    debug.debug_build = true;  // Py_DEBUG's state layouts are not mirrored
    memory = pyxray::interpreter_memory(stripped, pyxray::offsets_3_11(), debug, 0);
    notes = joined(memory.notes);
    EXPECT_NE(
        notes.find("free lists: they are in PyInterpreterState (float_state, tuple, list, dict_state) past "
                   "PyConfig, which pyxray does not mirror for 3.11.2 debug builds yet"),
        std::string::npos)
        << notes;
    SymbolsTarget unreadable({}, false);
    memory = pyxray::interpreter_memory(unreadable, pyxray::offsets_3_8(), runtime(0x030812f0), 0);
    notes = joined(memory.notes);
    EXPECT_NE(notes.find("free lists: `numfree` is a static of floatobject.c: " + std::string(kLibrary) +
                         "'s symbols are unreadable (no file here) (nor for the others)"),
              std::string::npos)
        << notes;
    EXPECT_EQ(memory.notes.size(), 3u) << notes;
}

TEST(InterpreterMemory, ImplausibleCountsAreNotTold) {
    SymbolsTarget target(symbols_38());
    fill_38(target);
    target.put<uint64_t>(0x1000, ~uint64_t{0});
    target.put<int32_t>(0x1010, -5);
    const auto& dict = pyxray::offsets_3_8().objects.dict_object;
    target.put<int64_t>(kInternedDict + dict.ma_used, -1);
    auto memory = pyxray::interpreter_memory(target, pyxray::offsets_3_8(), runtime(0x030812f0), 0);
    EXPECT_FALSE(memory.arenas_in_use.has_value());
    EXPECT_FALSE(memory.interned_strings.has_value());
    std::string notes = joined(memory.notes);
    EXPECT_NE(notes.find("free list float: its length reads -5"), std::string::npos) << notes;
    EXPECT_EQ(memory.notes.size(), 3u) << notes;
}

TEST(InterpreterMemory, FreeThreadedBuildsHaveNoArenas) {
    SymbolsTarget target({});
    auto memory = pyxray::interpreter_memory(target, pyxray::offsets_3_13t(), runtime(0x030d00f0, true), 0);
    EXPECT_FALSE(memory.arena_size.has_value());
    EXPECT_NE(joined(memory.notes).find("mimalloc"), std::string::npos);
}

// The statics that share a name (free_list, numfree in half of Objects/) told apart by the
// STT_FILE symbol before each file's locals, in pyenv's 3.8 libpython.
TEST(InterpreterMemory, FileQualifiedStaticsInARealLibpython) {
    auto python = pyxray::testing::pyenv_python(8);
    if (!python) GTEST_SKIP() << "no pyenv 3.8";
    auto prefix = std::filesystem::path(*python).parent_path().parent_path();
    std::string library = (prefix / "lib" / "libpython3.8.so.1.0").string();
    std::vector<std::string_view> names = {"floatobject.c:numfree", "tupleobject.c:numfree",
                                           "listobject.c:numfree", "obmalloc.c:narenas_currently_allocated",
                                           "nosuchfile.c:numfree"};
    auto symbols = pyxray::ElfSymbols::open(library, names);
    ASSERT_TRUE(symbols) << symbols.error().message;
    auto floats = symbols->find("floatobject.c:numfree"), tuples = symbols->find("tupleobject.c:numfree"),
         lists = symbols->find("listobject.c:numfree");
    ASSERT_TRUE(floats && tuples && lists);
    EXPECT_NE(*floats, *tuples);
    EXPECT_NE(*floats, *lists);
    EXPECT_TRUE(symbols->find("obmalloc.c:narenas_currently_allocated").has_value());
    EXPECT_FALSE(symbols->find("nosuchfile.c:numfree").has_value());
    EXPECT_FALSE(symbols->find("numfree").has_value());  // not asked for unqualified
}

// What sys._debugmallocstats() printed: the arenas in use and the free lists by pyxray's names.
struct MallocStats {
    std::optional<uint64_t> arenas;
    std::map<std::string, uint64_t> free_lists;
};

MallocStats parse_malloc_stats(const std::string& text) {
    static const std::map<std::string, std::string> kNames = {{"PyFloatObjects", "float"},
                                                              {"PyListObjects", "list"},
                                                              {"PyDictObjects", "dict"},
                                                              {"PyDictKeysObjects", "dict keys"},
                                                              {"PyFrameObjects", "frame"},
                                                              {"PyMethodObjects", "method"},
                                                              {"PyCFunctionObjects", "builtin method"}};
    MallocStats stats;
    // Plain token parsing: GCC 12 warns falsely inside <regex> under ASan (-Wmaybe-uninitialized).
    constexpr std::string_view kArenas = "# arenas allocated current";
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find(kArenas) != std::string::npos && line.find('=') != std::string::npos) {
            std::string digits;
            for (char c : line.substr(line.find('=') + 1))
                if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
            if (!digits.empty()) stats.arenas = std::stoull(digits);
            continue;
        }
        // "     3 free 2-sized PyTupleObjects * ..." and "     0 free PyFloatObjects * ..."
        std::istringstream words(line);
        uint64_t count = 0;
        std::string free_word, what, next;
        if (!(words >> count >> free_word >> what) || free_word != "free") continue;
        constexpr std::string_view kSized = "-sized";
        if (what.size() > kSized.size() && what.ends_with(kSized) && words >> next &&
            next == "PyTupleObjects")
            stats.free_lists["tuple[" + what.substr(0, what.size() - kSized.size()) + "]"] = count;
        else if (kNames.count(what))
            stats.free_lists[kNames.at(what)] = count;
    }
    return stats;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

constexpr int kFreshInterned = 5000;

// The target interns kFreshInterned new strings, records its own numbers, then blocks: printing
// "ready" and reading stdin after the stats move a free list by a few entries at most.
std::string truth_script(const std::filesystem::path& stats, const std::filesystem::path& interned) {
    return fmt::format(
        "import sys, os\n"
        "kept = [sys.intern('pyxray-fresh-%d' % i) for i in range({})]\n"
        "size = getattr(sys, 'getunicodeinternedsize', None)\n"
        "with open('{}', 'w') as f: f.write(str(size()) if size else '')\n"
        "fd = os.open('{}', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
        "saved = os.dup(2); os.dup2(fd, 2); sys._debugmallocstats(); os.dup2(saved, 2)\n"
        "print('ready', flush=True); sys.stdin.read()\n",
        kFreshInterned, interned.string(), stats.string());
}

struct LiveReading {
    InterpreterMemory memory;
    MallocStats stats;
    std::optional<uint64_t> interned_size;  // sys.getunicodeinternedsize(), 3.12+
};

std::optional<LiveReading> read_live(const std::string& executable) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / fmt::format("pyxray-intermem-{}", getpid());
    fs::create_directories(dir);
    std::string script = truth_script(dir / "stats", dir / "interned");
    pyxray::testing::LivePython python(executable.c_str(), script.c_str());
    if (!python.ready()) {
        ADD_FAILURE() << executable << " did not start";
        return std::nullopt;
    }
    auto modules = pyxray::modules_of_process(python.pid());
    if (!modules) {
        ADD_FAILURE() << modules.error().message;
        return std::nullopt;
    }
    pyxray::StaticTarget target(pyxray::make_process_memory(python.pid()),
                                {pyxray::TargetKind::Live, python.pid(), executable}, std::move(*modules), {},
                                {});
    auto runtime = pyxray::locate_runtime(target);
    if (!runtime) {
        ADD_FAILURE() << runtime.error().message;
        return std::nullopt;
    }
    auto interp = pyxray::read_pointer(
        target.memory(), runtime->info.runtime_address + runtime->offsets->runtime_state.interpreters_head);
    if (!interp) {
        ADD_FAILURE() << interp.error().message;
        return std::nullopt;
    }
    LiveReading reading{pyxray::interpreter_memory(target, *runtime->offsets, runtime->info, *interp),
                        parse_malloc_stats(read_file(dir / "stats")), std::nullopt};
    std::string interned = read_file(dir / "interned");
    if (!interned.empty()) reading.interned_size = std::stoull(interned);
    fs::remove_all(dir);
    return reading;
}

// A free list may move by a few entries between the target's stats and its block on stdin.
constexpr uint64_t kFreeListSlack = 4;

void expect_agrees_with_target(const LiveReading& r, int minor) {
    const InterpreterMemory& m = r.memory;
    std::string notes = joined(m.notes);
    ASSERT_TRUE(r.stats.arenas.has_value()) << "no arena line in the target's _debugmallocstats";
    if (minor <= 13) {
        ASSERT_TRUE(m.arenas_in_use.has_value()) << notes;
        EXPECT_NEAR(static_cast<double>(*m.arenas_in_use), static_cast<double>(*r.stats.arenas), 1.0);
    }
    size_t compared = 0;
    for (const auto& list : m.free_lists) {
        auto told = r.stats.free_lists.find(list.name);
        if (told == r.stats.free_lists.end())
            continue;  // not in _debugmallocstats (dict keys before 3.13, ...)
        EXPECT_NEAR(static_cast<double>(list.count), static_cast<double>(told->second), kFreeListSlack)
            << list.name;
        ++compared;
    }
    if (minor != 10) {
        EXPECT_GE(compared, 20u) << notes;  // float, list, dict and the 19 or 20 tuple sizes at least
    }
    if (minor <= 11) {
        ASSERT_TRUE(m.interned_strings.has_value()) << notes;
        EXPECT_GE(*m.interned_strings, static_cast<uint64_t>(kFreshInterned));
    }
    if (r.interned_size && m.interned_strings) {
        EXPECT_NEAR(static_cast<double>(*m.interned_strings), static_cast<double>(*r.interned_size), 8.0);
    }
    std::printf("%d: arenas %s (target %llu), %zu free lists (%zu compared), interned %s; notes:\n%s", minor,
                m.arenas_in_use ? std::to_string(*m.arenas_in_use).c_str() : "-",
                static_cast<unsigned long long>(*r.stats.arenas), m.free_lists.size(), compared,
                m.interned_strings ? std::to_string(*m.interned_strings).c_str() : "-", notes.c_str());
}

TEST(InterpreterMemoryLive, PyenvInterpretersAgreeWithTheirOwnMallocStats) {
    size_t ran = 0;
    for (int minor = 8; minor <= 13; ++minor) {
        auto python = pyxray::testing::pyenv_python(minor);
        if (!python) {
            if (pyxray::testing::under_ci()) ADD_FAILURE() << "no pyenv 3." << minor;
            continue;
        }
        SCOPED_TRACE(*python);
        auto reading = read_live(*python);
        if (!reading) continue;
        expect_agrees_with_target(*reading, minor);
        ++ran;
    }
    if (ran == 0) GTEST_SKIP() << "no pyenv interpreter 3.8-3.13 installed";
}

// The matrix's 3.9 and 3.13 built from Debian's sources (other micros than pyenv's), and the
// free-threaded 3.13t, which has no obmalloc arenas and keeps free lists per thread.
TEST(InterpreterMemoryLive, BuiltDebianInterpretersAndTheFreeThreadedBuild) {
    auto python39 = pyxray::testing::built_python("debian-3.9");
    auto python = pyxray::testing::built_python("debian-3.13");
    auto threaded = pyxray::testing::built_python("debian-3.13t");
    if (!python39 || !python || !threaded) {
        if (pyxray::testing::under_ci()) ADD_FAILURE() << "debian-3.9, 3.13 or 3.13t not built";
        GTEST_SKIP() << "debian-3.9/3.13/3.13t not built (fixtures/interpreters/build.sh)";
    }
    auto reading = read_live(*python39);
    ASSERT_TRUE(reading.has_value());
    expect_agrees_with_target(*reading, 9);
    reading = read_live(*python);
    ASSERT_TRUE(reading.has_value());
    expect_agrees_with_target(*reading, 13);
    reading = read_live(*threaded);
    ASSERT_TRUE(reading.has_value());
    const InterpreterMemory& m = reading->memory;
    std::string notes = joined(m.notes);
    EXPECT_FALSE(m.arenas_in_use.has_value());
    EXPECT_FALSE(m.arena_size.has_value());
    EXPECT_TRUE(m.free_lists.empty());
    EXPECT_NE(notes.find("arenas: free-threaded builds allocate with mimalloc"), std::string::npos) << notes;
    EXPECT_NE(notes.find("free lists: free-threaded builds keep them per thread state"), std::string::npos)
        << notes;
}

// Debian's /usr/bin/python3.11 keeps no .symtab: its statics are read from python3.11-dbg's
// debug file, found by build-id, where LTO named them NAME.lto_priv.N; without that file the
// notes say which file was looked for.
TEST(InterpreterMemoryLive, DebianPythonsStaticsComeFromItsDebugFile) {
    const std::string python = "/usr/bin/python3.11";
    if (!std::filesystem::exists(python)) GTEST_SKIP() << python << " is not installed";
    auto build_id = pyxray::build_id_of_file(python);
    ASSERT_TRUE(build_id.has_value());
    std::string debug_file = pyxray::build_id_debug_path(*build_id);
    auto reading = read_live(python);
    ASSERT_TRUE(reading.has_value());
    std::string notes = joined(reading->memory.notes);
    if (std::filesystem::exists(debug_file)) {
        expect_agrees_with_target(*reading, 11);
        return;
    }
    EXPECT_FALSE(reading->memory.arenas_in_use.has_value());
    EXPECT_NE(notes.find("and no debug file " + debug_file), std::string::npos) << notes;
    EXPECT_EQ(reading->memory.free_lists.size(), 24u) << notes;  // in PyInterpreterState: no symbol needed
}

// An LTO build's statics: the only NAME.lto_priv.N answers "FILE.c:NAME"; a name LTO numbered
// several times (one per file that has such a static) answers nothing.
TEST(InterpreterMemory, LtoStaticsInDebiansDebugFile) {
    auto build_id = pyxray::build_id_of_file("/usr/bin/python3.11");
    std::string debug_file = build_id ? pyxray::build_id_debug_path(*build_id) : "";
    if (debug_file.empty() || !std::filesystem::exists(debug_file))
        GTEST_SKIP() << "no python3.11-dbg debug file";
    std::vector<std::string_view> names = {"unicodeobject.c:interned",
                                           "obmalloc.c:narenas_currently_allocated", "pegen.c:_keywords"};
    auto symbols = pyxray::ElfSymbols::open(debug_file, names);
    ASSERT_TRUE(symbols) << symbols.error().message;
    EXPECT_TRUE(symbols->find("unicodeobject.c:interned").has_value());
    EXPECT_TRUE(symbols->find("obmalloc.c:narenas_currently_allocated").has_value());
    EXPECT_FALSE(symbols->find("pegen.c:_keywords").has_value());  // _keywords.lto_priv.0 ... .30
}

}  // namespace
