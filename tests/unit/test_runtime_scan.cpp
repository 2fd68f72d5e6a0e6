// Finding _PyRuntime without symbols, on synthetic images: the cookie scan (alignment, order,
// caps, unreadable pages), the checks that refuse decoy cookies, the locator's fallback order
// and its message, and the Py_GetVersion() text parser.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>

#include "interp/runtime_locator.hpp"
#include "interp/runtime_scan.hpp"
#include "interp/version_text.hpp"
#include "synthetic_debug_offsets.hpp"

namespace {

using pyxray::MemoryRegion;

constexpr uint64_t kData = 0x7f0000100000;  // libpython's writable data
constexpr uint64_t kHeap = 0x5500000000;    // an anonymous writable mapping
constexpr uint64_t kInterp = 0x5600000000;  // where the interpreter lives (not scanned)
constexpr uint64_t kThread = 0x5600100000;

std::vector<std::byte> zeros(size_t size) { return std::vector<std::byte>(size); }

void put_cookie(std::vector<std::byte>& bytes, size_t offset) {
    std::memcpy(bytes.data() + offset, pyxray::kDebugCookie, sizeof(pyxray::kDebugCookie));
}

std::vector<uint64_t> offered(const pyxray::Memory& memory, std::vector<MemoryRegion> regions,
                              pyxray::CookieScanLimits limits, pyxray::CookieScanReport& report) {
    std::vector<uint64_t> seen;
    pyxray::scan_for_debug_cookie(
        memory, std::move(regions), limits,
        [&](uint64_t address) {
            seen.push_back(address);
            return false;
        },
        report);
    return seen;
}

TEST(CookieScan, OffersOnlyEightByteAlignedCookiesInWritableRegions) {
    pyxray::BufferMemory memory;
    auto data = zeros(4096);
    put_cookie(data, 0x100);
    put_cookie(data, 0x204);  // misaligned: never the start of _PyRuntime
    memory.add(kData, data);
    auto readonly = zeros(4096);
    put_cookie(readonly, 0);
    memory.add(kHeap, readonly);
    pyxray::CookieScanReport report;
    auto seen = offered(
        memory, {{kData, kData + 4096, true, "/lib/libpython3.13.so"}, {kHeap, kHeap + 4096, false, ""}}, {},
        report);
    EXPECT_EQ(seen, std::vector<uint64_t>{kData + 0x100});
    EXPECT_EQ(report.regions, 1u);
    EXPECT_EQ(report.bytes, 4096u);
    EXPECT_EQ(report.summary(), "1 \"xdebugpy\" cookie in 4096 bytes of 1 writable region");
}

TEST(CookieScan, ScansRegionsNamingPythonFirstThenFilesThenAnonymous) {
    pyxray::BufferMemory memory;
    std::vector<MemoryRegion> regions;
    uint64_t anonymous = 0x1000, file = 0x10000, python = 0x20000;
    for (uint64_t start : {anonymous, file, python}) {
        auto bytes = zeros(4096);
        put_cookie(bytes, 0);
        memory.add(start, bytes);
    }
    regions.push_back({anonymous, anonymous + 4096, true, ""});
    regions.push_back({file, file + 4096, true, "/usr/lib/libc.so.6"});
    regions.push_back({python, python + 4096, true, "/opt/py/lib/libpython3.13.so.1.0"});
    pyxray::CookieScanReport report;
    EXPECT_EQ(offered(memory, regions, {}, report), (std::vector<uint64_t>{python, file, anonymous}));
}

TEST(CookieScan, StopsAtTheByteCapAndSaysSo) {
    pyxray::BufferMemory memory;
    auto bytes = zeros(64 * 1024);
    put_cookie(bytes, 48 * 1024);  // beyond the cap
    memory.add(kHeap, bytes);
    pyxray::CookieScanLimits limits;
    limits.max_bytes = 32 * 1024;
    limits.chunk_bytes = 8 * 1024;
    pyxray::CookieScanReport report;
    EXPECT_TRUE(offered(memory, {{kHeap, kHeap + bytes.size(), true, ""}}, limits, report).empty());
    EXPECT_EQ(report.bytes, 32u * 1024);
    EXPECT_TRUE(report.hit_byte_cap);
    EXPECT_NE(report.summary().find("stopped at the scan's cap"), std::string::npos) << report.summary();
}

TEST(CookieScan, AnUnreadablePageHidesOnlyItself) {
    pyxray::BufferMemory memory;
    // A 1 MiB region whose first 64 KiB piece is missing: the chunk read fails, the retry in
    // pieces still finds the cookie further on.
    auto tail = zeros(1024 * 1024 - 64 * 1024);
    put_cookie(tail, 8);
    memory.add(kHeap + 64 * 1024, tail);
    pyxray::CookieScanReport report;
    auto seen = offered(memory, {{kHeap, kHeap + 1024 * 1024, true, ""}}, {}, report);
    EXPECT_EQ(seen, std::vector<uint64_t>{kHeap + 64 * 1024 + 8});
}

// A target with no modules to read symbols from, only regions to scan.
std::unique_ptr<pyxray::StaticTarget> scan_only_target(std::unique_ptr<pyxray::BufferMemory> memory,
                                                       std::vector<MemoryRegion> regions) {
    auto target = std::make_unique<pyxray::StaticTarget>(
        std::move(memory), pyxray::TargetInfo{pyxray::TargetKind::Core, 4242, "/gone/python3.13"},
        std::vector<pyxray::ModuleInfo>{{"/gone/libpython3.13.so.1.0 (deleted)", 0x7f0000000000}},
        std::vector<pyxray::ThreadInfo>{}, std::map<int64_t, std::vector<pyxray::NativeFrame>>{});
    target->set_memory_regions(std::move(regions));
    return target;
}

TEST(RuntimeScan, SkipsDecoysAndFindsTheRuntimeThatLeadsToAnInterpreter) {
    auto memory = std::make_unique<pyxray::BufferMemory>();
    synthetic::Table good = synthetic::table_313();
    synthetic::Table bad_table = good;
    bad_table.thread_state.size = uint64_t{1} << 40;
    // Decoys first in scan order (python-named data): a damaged table, then a good table whose
    // interpreters_head is null (a copy of libpython's initial data, say).
    std::vector<std::byte> data(3 * 8192);
    auto decoy_damaged = synthetic::runtime_bytes(bad_table, kInterp);
    auto decoy_copy = synthetic::runtime_bytes(good, 0);
    std::copy(decoy_damaged.begin(), decoy_damaged.end(), data.begin());
    std::copy(decoy_copy.begin(), decoy_copy.end(), data.begin() + 8192);
    memory->add(kData, data);
    auto runtime = synthetic::runtime_bytes(good, kInterp);
    memory->add(kHeap, runtime);
    synthetic::add_interpreter(*memory, good, kInterp, kThread);
    auto target = scan_only_target(std::move(memory),
                                   {{kHeap, kHeap + runtime.size(), true, ""},
                                    {kData, kData + data.size(), true, "/gone/libpython3.13.so.1.0"}});

    auto located = pyxray::locate_runtime(*target);
    ASSERT_TRUE(located) << located.error().message;
    EXPECT_EQ(located->info.runtime_address, kHeap);
    EXPECT_EQ(located->info.version, "3.13.0");
    EXPECT_EQ(located->info.version_hex, 0x030d00f0u);
    EXPECT_TRUE(located->from_target_table);
    EXPECT_EQ(located->found_by, "a scan of writable memory for _Py_DebugOffsets' cookie");
}

TEST(RuntimeScan, OnlyDecoysIsNoRuntimeAndTheMessageSaysWhatWasTried) {
    auto memory = std::make_unique<pyxray::BufferMemory>();
    synthetic::Table good = synthetic::table_313();
    auto decoy = synthetic::runtime_bytes(good, kInterp);  // leads to unreadable memory
    memory->add(kHeap, decoy);
    auto target = scan_only_target(std::move(memory), {{kHeap, kHeap + decoy.size(), true, ""}});
    auto located = pyxray::locate_runtime(*target);
    ASSERT_FALSE(located);
    EXPECT_EQ(located.error().code, pyxray::ErrorCode::NotPython);
    EXPECT_EQ(
        located.error().message,
        fmt::format(
            "no CPython runtime in core of process 4242: no _PyRuntime symbol and no .PyRuntime "
            "section in no modules (not on disk, or of another build: libpython3.13.so.1.0 (deleted); the "
            "core may come from another machine or from a process in a container, whose files are the "
            "container's: point --sysroot at a copy of its root filesystem (the container's root, or its "
            "image exported with `docker export`) or --lib-path at copies); no valid "
            "_Py_DebugOffsets among 1 \"xdebugpy\" cookie in 4096 bytes of 1 writable region (the "
            "last at {:#x}: interpreters_head {:#x} is not an interpreter: its id is unreadable); is "
            "this a Python process?",
            kHeap, kInterp));
}

TEST(RuntimeScan, InterpreterWhoseThreadBelongsElsewhereIsRefused) {
    pyxray::BufferMemory memory;
    synthetic::Table table = synthetic::table_313();
    memory.add(kHeap, synthetic::runtime_bytes(table, kInterp));
    synthetic::add_interpreter(memory, table, kInterp, kThread);
    ASSERT_TRUE(pyxray::check_interpreters_head(memory, kHeap, pyxray::offsets_3_13()));
    std::vector<std::byte> stranger(table.thread_state.size);
    synthetic::put<uint64_t>(stranger, table.thread_state.interp, kInterp + 8);
    memory.add(kThread, stranger);  // added later at the same address: wins
    auto checked = pyxray::check_interpreters_head(memory, kHeap, pyxray::offsets_3_13());
    ASSERT_FALSE(checked);
    EXPECT_EQ(
        checked.error().message,
        fmt::format("interpreters_head {:#x} is not an interpreter: its first thread state {:#x} belongs "
                    "elsewhere",
                    kInterp, kThread));
}

TEST(RuntimeScan, FrontEndWithoutRegionsSaysTheScanWasNotTried) {
    pyxray::StaticTarget target(std::make_unique<pyxray::BufferMemory>(), {pyxray::TargetKind::Live, 7, ""},
                                {}, {}, {});
    auto located = pyxray::locate_runtime(target);
    ASSERT_FALSE(located);
    EXPECT_EQ(
        located.error().message,
        "no CPython runtime in process 7: no _PyRuntime symbol and no .PyRuntime section in no modules; no "
        "scan for _Py_DebugOffsets' cookie: this front-end cannot list the target's memory regions; is this "
        "a Python process?");
}

TEST(RuntimeScan, VersionAfterTheCookieMustBe313OrLater) {
    pyxray::BufferMemory memory;
    synthetic::Table table = synthetic::table_313();
    table.version = 0x030c01f0;
    memory.add(kHeap, &table, sizeof(table));
    auto version = pyxray::debug_offsets_version(memory, kHeap);
    ASSERT_FALSE(version);
    EXPECT_EQ(version.error().message,
              fmt::format("the version after the cookie at {:#x} is 0x30c01f0, not a CPython 3.13+ version",
                          kHeap));
}

TEST(VersionText, ParsesWhatPyGetVersionWrites) {
    auto version =
        pyxray::parse_version_text("3.9.18 (main, May  9 2026, 10:00:00) \n[GCC 12.2.0]", std::nullopt);
    ASSERT_TRUE(version);
    EXPECT_EQ(version->str(), "3.9.18");
    EXPECT_EQ(version->hex, 0x03091200u);
    EXPECT_EQ(pyxray::parse_version_text("3.10.13+ (heads/3.10:abc, ...", 10)->str(), "3.10.13");
    EXPECT_EQ(pyxray::parse_version_text("3.8.0rc1 (default, ...", 8)->str(), "3.8.0");
}

TEST(VersionText, RefusesTextThatIsNotAVersionLine) {
    EXPECT_FALSE(pyxray::parse_version_text("3.9.18", std::nullopt));     // no " (" after it
    EXPECT_FALSE(pyxray::parse_version_text("3.9.18 (main", 10));         // another minor
    EXPECT_FALSE(pyxray::parse_version_text("3.9 (main", std::nullopt));  // no micro
    EXPECT_FALSE(pyxray::parse_version_text("3.9.x (main", std::nullopt));
    EXPECT_FALSE(pyxray::parse_version_text("2.7.18 (default", std::nullopt));
}

}  // namespace
