// Memory sources: the test buffer, the page cache, a live process and debugger callbacks.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "core_builder.hpp"
#include "pyxray/core_file.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/process.hpp"

namespace pyxray {
namespace {

constexpr uint64_t kPage = 4096;

std::vector<std::byte> pattern(size_t size, uint8_t seed) {
    std::vector<std::byte> bytes(size);
    for (size_t i = 0; i < size; ++i) bytes[i] = std::byte(static_cast<uint8_t>(seed + i * 7));
    return bytes;
}

// A readable window [start, end) of pattern bytes that counts reads and can change under the
// cache, as a running process does.
class CountingMemory final : public Memory {
public:
    CountingMemory(uint64_t start, uint64_t end) : start_(start), end_(end) {}

    Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        ++reads;
        if (address < start_ || address > end_ || out.size() > end_ - address)
            return fail(ErrorCode::Unreadable, "outside the window", address < start_ ? address : end_);
        for (size_t i = 0; i < out.size(); ++i) out[i] = byte_at(address + i);
        return {};
    }

    std::byte byte_at(uint64_t address) const {
        return std::byte(static_cast<uint8_t>(address * 13 + generation));
    }

    mutable int reads = 0;
    int generation = 0;

private:
    uint64_t start_, end_;
};

// ---- BufferMemory ----

TEST(BufferMemory, ReadsWithinAndAcrossAdjacentRegions) {
    BufferMemory memory;
    auto first = pattern(100, 1);
    auto second = pattern(50, 2);
    memory.add(0x2000 + 100, second);
    memory.add(0x2000, first);
    std::array<std::byte, 20> out;
    ASSERT_TRUE(memory.read(0x2000 + 90, out));
    for (size_t i = 0; i < 10; ++i) EXPECT_EQ(out[i], first[90 + i]);
    for (size_t i = 0; i < 10; ++i) EXPECT_EQ(out[10 + i], second[i]);
}

TEST(BufferMemory, ReadOutsideAnyRegionNamesTheAddress) {
    BufferMemory memory;
    memory.add(0x1000, pattern(16, 0));
    std::array<std::byte, 32> out;
    auto result = memory.read(0x1008, out);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::Unreadable);
    EXPECT_EQ(result.error().address, 0x1010u);
    EXPECT_NE(result.error().message.find("0x1010"), std::string::npos) << result.error().message;
    EXPECT_FALSE(memory.read(0x0fff, std::span(out.data(), 1)));
    EXPECT_FALSE(memory.read(UINT64_MAX - 3, out));
    EXPECT_TRUE(memory.read(0x5000, std::span(out.data(), 0)));
}

TEST(BufferMemory, TypedHelpers) {
    BufferMemory memory;
    uint64_t pointer = 0x1122334455667788;
    memory.add(0x100, &pointer, sizeof pointer);
    const char text[] = "hello\0world";
    memory.add(0x200, text, sizeof text);
    EXPECT_EQ(read_pointer(memory, 0x100).value(), pointer);
    EXPECT_EQ(read_value<uint32_t>(memory, 0x100).value(), 0x55667788u);
    EXPECT_EQ(read_bytes(memory, 0x200, 3).value().size(), 3u);
    EXPECT_EQ(read_c_string(memory, 0x200).value(), "hello");
    EXPECT_EQ(read_c_string(memory, 0x206).value(), "world");
    EXPECT_EQ(read_c_string(memory, 0x200, 5).value(), "hello");  // NUL right at the cap
    auto capped = read_c_string(memory, 0x200, 3);
    ASSERT_FALSE(capped);
    EXPECT_EQ(capped.error().code, ErrorCode::Truncated);
    EXPECT_FALSE(read_bytes(memory, 0x200, size_t{1} << 40));
}

TEST(BufferMemory, CStringEndingAtTheEdgeOfReadableMemory) {
    BufferMemory memory;
    memory.add(0x1ffa, "abcde", 6);  // the region ends mid-page, well before the page's end
    EXPECT_EQ(read_c_string(memory, 0x1ffa).value(), "abcde");
    BufferMemory unterminated;
    unterminated.add(0x3000, "abc", 3);
    auto result = read_c_string(unterminated, 0x3000);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::Unreadable);
    EXPECT_EQ(result.error().address, 0x3003u);
}

// ---- the page cache ----

TEST(CachedMemory, ReadsSpanningPagesReadEachPageOnce) {
    auto inner = std::make_unique<CountingMemory>(0x10000, 0x10000 + 3 * kPage);
    CountingMemory& counter = *inner;
    auto cache = make_cached_memory(std::move(inner));
    std::vector<std::byte> out(kPage + 100);
    ASSERT_TRUE(cache->read(0x10000 + kPage - 50, out));
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], counter.byte_at(0x10000 + kPage - 50 + i));
    EXPECT_EQ(counter.reads, 3);  // pages 0, 1 and 2
    std::array<std::byte, 8> small;
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(cache->read(0x10000 + 8 * i, small));
    EXPECT_EQ(counter.reads, 3);
}

TEST(CachedMemory, PartlyReadablePageFallsBackToTheExactRange) {
    // Readable up to the middle of a page, as at the end of a truncated core segment.
    auto inner = std::make_unique<CountingMemory>(0x20000, 0x20000 + kPage + 100);
    CountingMemory& counter = *inner;
    auto cache = make_cached_memory(std::move(inner));
    std::array<std::byte, 16> out;
    ASSERT_TRUE(cache->read(0x20000 + kPage + 20, out));
    EXPECT_EQ(out[0], counter.byte_at(0x20000 + kPage + 20));
    std::vector<std::byte> spanning(200);
    ASSERT_TRUE(cache->read(0x20000 + kPage - 100, spanning));
    EXPECT_EQ(spanning[199], counter.byte_at(0x20000 + kPage + 99));
    auto past = cache->read(0x20000 + kPage + 90, out);
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code, ErrorCode::Unreadable);
}

TEST(CachedMemory, UnreadablePageFailsWithTheInnerError) {
    auto cache = make_cached_memory(std::make_unique<BufferMemory>());
    std::array<std::byte, 8> out;
    auto result = cache->read(0xdead0, out);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::Unreadable);
    EXPECT_EQ(result.error().address, 0xdead0u);
}

TEST(CachedMemory, InvalidateReallyRereads) {
    auto inner = std::make_unique<CountingMemory>(0, 4 * kPage);
    CountingMemory& counter = *inner;
    auto cache = make_cached_memory(std::move(inner));
    auto first = read_value<uint64_t>(*cache, 0x100).value();
    counter.generation = 1;
    EXPECT_EQ(read_value<uint64_t>(*cache, 0x100).value(), first);  // cached: still the old bytes
    EXPECT_EQ(counter.reads, 1);
    cache->invalidate();
    auto second = read_value<uint64_t>(*cache, 0x100).value();
    EXPECT_NE(second, first);
    EXPECT_EQ(counter.reads, 2);
}

TEST(CachedMemory, KeepsAtMostMaxPages) {
    auto inner = std::make_unique<CountingMemory>(0, 16 * kPage);
    CountingMemory& counter = *inner;
    auto cache = make_cached_memory(std::move(inner), 2);
    for (uint64_t page = 0; page < 3; ++page) ASSERT_TRUE(read_value<uint8_t>(*cache, page * kPage));
    EXPECT_EQ(counter.reads, 3);
    for (uint64_t page = 0; page < 3; ++page) ASSERT_TRUE(read_value<uint8_t>(*cache, page * kPage));
    EXPECT_GT(counter.reads, 3);  // two pages fit, so some page was evicted and read again
    EXPECT_LE(counter.reads, 6);
}

// A CountingMemory that reads many ranges in one call, as process_vm_readv does.
class BatchingMemory final : public Memory {
public:
    BatchingMemory(uint64_t start, uint64_t end) : window(start, end) {}
    Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        return window.read(address, out);
    }
    void read_batch(std::span<BatchRead> reads) const override {
        batch_sizes.push_back(reads.size());
        int before = window.reads;
        for (BatchRead& each : reads) each.readable = window.read(each.address, each.out).has_value();
        window.reads = before;  // one batch is not a read per range
    }
    bool reads_in_batches() const override { return true; }

    CountingMemory window;
    mutable std::vector<size_t> batch_sizes;
};

TEST(CachedMemory, TheLastSamplesPagesComeBackInOneBatch) {
    auto inner = std::make_unique<BatchingMemory>(0, 16 * kPage);
    BatchingMemory& source = *inner;
    auto cache = make_cached_memory(std::move(inner));
    for (uint64_t page = 0; page < 3; ++page) ASSERT_TRUE(read_value<uint64_t>(*cache, page * kPage + 8));
    EXPECT_EQ(source.window.reads, 3);
    cache->invalidate();
    source.window.generation = 1;
    for (uint64_t page = 0; page < 3; ++page) {
        auto value = read_value<uint8_t>(*cache, page * kPage + 8);
        ASSERT_TRUE(value);
        EXPECT_EQ(std::byte(*value), source.window.byte_at(page * kPage + 8));  // the new bytes
    }
    EXPECT_EQ(source.window.reads, 3);  // no read of its own
    EXPECT_EQ(source.batch_sizes, std::vector<size_t>{3});
}

TEST(CachedMemory, APageTheLastSampleDidNotReadLeavesTheBatch) {
    auto inner = std::make_unique<BatchingMemory>(0, 16 * kPage);
    BatchingMemory& source = *inner;
    auto cache = make_cached_memory(std::move(inner));
    for (uint64_t page = 0; page < 3; ++page) ASSERT_TRUE(read_value<uint8_t>(*cache, page * kPage));
    cache->invalidate();
    ASSERT_TRUE(read_value<uint8_t>(*cache, kPage));  // this sample reads page 1 only
    cache->invalidate();
    ASSERT_TRUE(read_value<uint8_t>(*cache, kPage));
    EXPECT_EQ(source.batch_sizes, (std::vector<size_t>{3, 1}));
    cache->invalidate();
    cache->invalidate();  // an invalidate with no read after it reloads nothing
    EXPECT_EQ(source.batch_sizes, (std::vector<size_t>{3, 1}));
}

TEST(CachedMemory, APageThatFailsInTheBatchIsReadAloneAndFails) {
    auto inner = std::make_unique<BatchingMemory>(0, 4 * kPage);
    BatchingMemory& source = *inner;
    auto cache = make_cached_memory(std::move(inner));
    ASSERT_TRUE(read_value<uint8_t>(*cache, 0));
    ASSERT_TRUE(read_value<uint8_t>(*cache, 3 * kPage));
    cache->invalidate();
    source.window = CountingMemory(0, 2 * kPage);  // the last two pages were unmapped
    ASSERT_TRUE(read_value<uint8_t>(*cache, 0));
    EXPECT_EQ(source.window.reads, 0);
    auto gone = read_value<uint8_t>(*cache, 3 * kPage);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ErrorCode::Unreadable);
    EXPECT_EQ(source.window.reads, 2);  // the page alone, then the exact range, as for any page
}

// A sampler invalidates after every sample: the pages it reads next must all be new reads,
// of new bytes, and the cap must still hold with the kept buffers reused.
TEST(CachedMemory, AfterInvalidateEveryPageIsReadAgainWithinTheCap) {
    auto inner = std::make_unique<CountingMemory>(0, 16 * kPage);
    CountingMemory& counter = *inner;
    auto cache = make_cached_memory(std::move(inner), 2);
    for (uint64_t page = 0; page < 2; ++page) ASSERT_TRUE(read_value<uint8_t>(*cache, page * kPage));
    cache->invalidate();
    counter.generation = 1;
    counter.reads = 0;
    for (uint64_t page = 0; page < 2; ++page) {
        auto byte = read_value<uint8_t>(*cache, page * kPage);
        EXPECT_EQ(byte.value(), std::to_integer<uint8_t>(counter.byte_at(page * kPage)));
    }
    EXPECT_EQ(counter.reads, 2);
    ASSERT_TRUE(read_value<uint8_t>(*cache, 0x10));  // still cached
    EXPECT_EQ(counter.reads, 2);
    ASSERT_TRUE(read_value<uint8_t>(*cache, 5 * kPage));
    ASSERT_TRUE(read_value<uint8_t>(*cache, 0));
    ASSERT_TRUE(read_value<uint8_t>(*cache, kPage));
    EXPECT_GE(counter.reads, 4);  // two pages fit: a third evicted one of them
}

TEST(CachedMemory, LargeReadsBypassTheCache) {
    auto inner = std::make_unique<CountingMemory>(0, 1024 * kPage);
    CountingMemory& counter = *inner;
    auto cache = make_cached_memory(std::move(inner));
    std::vector<std::byte> big(512 * kPage);
    ASSERT_TRUE(cache->read(kPage, big));
    EXPECT_EQ(counter.reads, 1);
    EXPECT_EQ(big.back(), counter.byte_at(kPage + big.size() - 1));
    // A mimalloc small page (64 KiB, the free-threaded heap walk's unit of reading) is large.
    std::vector<std::byte> page(16 * kPage);
    ASSERT_TRUE(cache->read(3 * kPage, page));
    EXPECT_EQ(counter.reads, 2);
}

// ---- live process memory ----

volatile uint64_t known_global = 0x5eed5eed5eed5eedull;

TEST(ProcessMemory, ReadsOwnVariable) {
    auto memory = make_process_memory(getpid());
    auto value = read_value<uint64_t>(*memory, reinterpret_cast<uint64_t>(&known_global));
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_EQ(*value, known_global);
}

TEST(ProcessMemory, UnreadableAddressNamesWhereTheReadableBytesEnd) {
    long page = sysconf(_SC_PAGESIZE);
    void* mapped = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mapped, MAP_FAILED);
    auto base = reinterpret_cast<uint64_t>(mapped);
    ASSERT_EQ(munmap(reinterpret_cast<void*>(base + page), page), 0);
    auto memory = make_process_memory(getpid());
    std::vector<std::byte> out(64);
    auto partial = memory->read(base + page - 32, out);  // half readable, half not
    ASSERT_FALSE(partial);
    EXPECT_EQ(partial.error().code, ErrorCode::Unreadable);
    EXPECT_EQ(partial.error().address, base + page);
    auto unmapped = memory->read(base + page + 8, out);
    ASSERT_FALSE(unmapped);
    EXPECT_EQ(unmapped.error().address, base + page + 8);
    EXPECT_NE(unmapped.error().message.find(fmt::format("0x{:x}", base + page + 8)), std::string::npos);
    munmap(mapped, page);
}

TEST(ProcessMemory, ReadsForkedChildVariable) {
    testing::BlockedChild child(&known_global, 0xc0ffee1234);
    ASSERT_TRUE(child.ok());
    auto memory = make_cached_memory(make_process_memory(child.pid()));
    auto value = read_value<uint64_t>(*memory, reinterpret_cast<uint64_t>(&known_global));
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_EQ(*value, 0xc0ffee1234u);
    auto bad = read_value<uint64_t>(*memory, 0x10);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::Unreadable);
    EXPECT_EQ(bad.error().address, 0x10u);

    auto threads = threads_of_process(child.pid());
    ASSERT_TRUE(threads);
    EXPECT_EQ(*threads, std::vector<int64_t>{child.pid()});
}

TEST(ProcessMemory, GoneProcessFailsCleanly) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    ASSERT_GT(pid, 0);
    waitpid(pid, nullptr, 0);
    auto value = read_value<uint64_t>(*make_process_memory(pid), reinterpret_cast<uint64_t>(&known_global));
    ASSERT_FALSE(value);
    EXPECT_EQ(value.error().code, ErrorCode::Unreadable);
    EXPECT_FALSE(modules_of_process(pid));
    EXPECT_FALSE(threads_of_process(pid));
}

TEST(ProcessMemory, ABatchFillsEveryReadableRangeAndMarksTheOthers) {
    long page = sysconf(_SC_PAGESIZE);
    void* mapped = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mapped, MAP_FAILED);
    auto base = reinterpret_cast<uint64_t>(mapped);
    ASSERT_EQ(munmap(reinterpret_cast<void*>(base + page), page), 0);
    // More ranges than one process_vm_readv takes (1024), one unreadable in the middle and one
    // that is readable only in part.
    std::vector<uint64_t> values(1500);
    std::iota(values.begin(), values.end(), 1000);
    std::vector<uint64_t> out(values.size() + 2, 0);
    std::vector<Memory::BatchRead> batch;
    for (size_t i = 0; i < values.size(); ++i)
        batch.push_back(
            {reinterpret_cast<uint64_t>(&values[i]), std::as_writable_bytes(std::span(&out[i], 1))});
    batch.insert(batch.begin() + 700, {base + page + 8, std::as_writable_bytes(std::span(&out[1500], 1))});
    batch.insert(batch.begin() + 1200, {base + page - 4, std::as_writable_bytes(std::span(&out[1501], 1))});
    auto memory = make_process_memory(getpid());
    ASSERT_TRUE(memory->reads_in_batches());
    memory->read_batch(batch);
    EXPECT_FALSE(batch[700].readable);
    EXPECT_FALSE(batch[1200].readable);
    size_t readable = 0;
    for (const auto& each : batch) readable += each.readable ? 1 : 0;
    EXPECT_EQ(readable, values.size());
    EXPECT_EQ(out[0], 1000u);
    EXPECT_EQ(out[1499], 2499u);
    EXPECT_EQ(std::vector<uint64_t>(out.begin(), out.begin() + 1500), values);
    munmap(mapped, page);
}

TEST(ProcessMaps, ModulesOfOwnProcess) {
    auto modules = modules_of_process(getpid());
    ASSERT_TRUE(modules) << modules.error().message;
    std::string self = std::filesystem::read_symlink("/proc/self/exe");
    auto found = std::find_if(modules->begin(), modules->end(), [&](auto& m) { return m.path == self; });
    ASSERT_NE(found, modules->end()) << self;
    auto code = reinterpret_cast<uint64_t>(&known_global);
    EXPECT_LT(found->base, code);
    EXPECT_EQ(found->base % kPage, 0u);
    for (const auto& module : *modules) EXPECT_EQ(module.path.front(), '/') << module.path;
    auto threads = threads_of_process(getpid());
    ASSERT_TRUE(threads);
    EXPECT_NE(std::find(threads->begin(), threads->end(), gettid()), threads->end());
}

// ---- debugger callbacks ----

TEST(MemoryCallback, PassesReadsThroughAndMapsFailures) {
    auto memory = make_callback_memory([](uint64_t address, std::span<std::byte> out) {
        if (address == 0xbad) return false;
        if (address == 0xf00) throw std::runtime_error("debugger said no");
        std::iota(reinterpret_cast<uint8_t*>(out.data()), reinterpret_cast<uint8_t*>(out.data()) + out.size(),
                  static_cast<uint8_t>(address));
        return true;
    });
    EXPECT_EQ(read_value<uint8_t>(*memory, 0x41).value(), 0x41);
    for (uint64_t bad : {0xbadull, 0xf00ull}) {
        auto result = read_value<uint32_t>(*memory, bad);
        ASSERT_FALSE(result);
        EXPECT_EQ(result.error().code, ErrorCode::Unreadable);
        EXPECT_EQ(result.error().address, bad);
    }
    EXPECT_FALSE(read_value<uint8_t>(*make_callback_memory(nullptr), 1));
}

}  // namespace
}  // namespace pyxray
