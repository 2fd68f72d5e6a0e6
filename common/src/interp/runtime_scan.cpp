#include "interp/runtime_scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "layout/debug_offsets.hpp"
#include "pyxray/path_names.hpp"

namespace pyxray {
namespace {

constexpr uint64_t kCookieAlignment = 8;
// A failed big read is retried in pieces this size, so one unreadable page (a guard page, a
// segment a core left out) does not hide the rest of its chunk.
constexpr size_t kRetryPieceBytes = size_t{64} * 1024;
constexpr int64_t kMaxInterpreterId = int64_t{1} << 32;

bool names_python(const MemoryRegion& region) {
    return path_basename(region.path).find("python") != std::string_view::npos;
}

int scan_rank(const MemoryRegion& region) {
    if (names_python(region)) return 0;
    return region.path.starts_with('/') ? 1 : 2;
}

std::vector<MemoryRegion> in_scan_order(std::vector<MemoryRegion> regions) {
    std::erase_if(regions, [](const MemoryRegion& r) { return !r.writable || r.end <= r.start; });
    std::stable_sort(regions.begin(), regions.end(), [](const MemoryRegion& a, const MemoryRegion& b) {
        return std::pair(scan_rank(a), a.start) < std::pair(scan_rank(b), b.start);
    });
    return regions;
}

uint64_t align_up(uint64_t address) { return (address + kCookieAlignment - 1) & ~(kCookieAlignment - 1); }

class CookieScanner {
public:
    CookieScanner(const Memory& memory, const CookieScanLimits& limits,
                  const std::function<bool(uint64_t)>& accept, CookieScanReport& report)
        : memory_(memory), limits_(limits), accept_(accept), report_(report), buffer_(limits.chunk_bytes) {}

    std::optional<uint64_t> scan(const MemoryRegion& region) {
        ++report_.regions;
        for (uint64_t at = align_up(region.start); at < region.end && !out_of_budget();) {
            size_t size = static_cast<size_t>(std::min<uint64_t>(
                {region.end - at, limits_.chunk_bytes, limits_.max_bytes - report_.bytes}));
            size -= size % kCookieAlignment;
            if (size == 0) break;
            if (auto found = scan_range(at, size)) return found;
            at += size;
        }
        return std::nullopt;
    }

    bool out_of_budget() {
        if (report_.bytes < limits_.max_bytes && report_.cookies < limits_.max_candidates) return false;
        report_.hit_byte_cap = true;
        return true;
    }

private:
    std::optional<uint64_t> scan_range(uint64_t address, size_t size) {
        report_.bytes += size;
        auto bytes = std::span(buffer_).first(size);
        if (memory_.read(address, bytes)) return scan_bytes(address, bytes);
        for (size_t done = 0; done < size; done += kRetryPieceBytes) {
            auto piece = bytes.subspan(done, std::min(kRetryPieceBytes, size - done));
            if (!memory_.read(address + done, piece)) continue;
            if (auto found = scan_bytes(address + done, piece)) return found;
        }
        return std::nullopt;
    }

    std::optional<uint64_t> scan_bytes(uint64_t address, std::span<const std::byte> bytes) {
        for (size_t offset = 0; offset + sizeof(kDebugCookie) <= bytes.size(); offset += kCookieAlignment) {
            if (std::memcmp(bytes.data() + offset, kDebugCookie, sizeof(kDebugCookie)) != 0) continue;
            if (out_of_budget()) return std::nullopt;
            ++report_.cookies;
            if (accept_(address + offset)) return address + offset;
        }
        return std::nullopt;
    }

    const Memory& memory_;
    const CookieScanLimits& limits_;
    const std::function<bool(uint64_t)>& accept_;
    CookieScanReport& report_;
    std::vector<std::byte> buffer_;
};

Result<void> not_an_interpreter(uint64_t head, std::string why) {
    return pyxray::unexpected(
        Error{ErrorCode::BadData, fmt::format("interpreters_head {:#x} is not an interpreter: {}", head, why),
              head});
}

bool aligned(uint64_t pointer) { return pointer % 8 == 0; }

}  // namespace

std::string CookieScanReport::summary() const {
    return fmt::format("{} \"xdebugpy\" cookie{} in {} byte{} of {} writable region{}{}", cookies,
                       cookies == 1 ? "" : "s", bytes, bytes == 1 ? "" : "s", regions,
                       regions == 1 ? "" : "s", hit_byte_cap ? " (stopped at the scan's cap)" : "");
}

std::optional<uint64_t> scan_for_debug_cookie(const Memory& memory, std::vector<MemoryRegion> regions,
                                              const CookieScanLimits& limits,
                                              const std::function<bool(uint64_t address)>& accept,
                                              CookieScanReport& report) {
    if (limits.chunk_bytes < kCookieAlignment) return std::nullopt;
    CookieScanner scanner(memory, limits, accept, report);
    for (const MemoryRegion& region : in_scan_order(std::move(regions))) {
        if (scanner.out_of_budget()) break;
        if (auto found = scanner.scan(region)) return found;
    }
    return std::nullopt;
}

Result<PythonVersion> debug_offsets_version(const Memory& memory, uint64_t runtime) {
    struct Head {
        char cookie[sizeof(kDebugCookie)];
        uint64_t version;
    };
    PYXRAY_TRY(head, read_value<Head>(memory, runtime));
    if (std::memcmp(head.cookie, kDebugCookie, sizeof(kDebugCookie)) != 0)
        return pyxray::unexpected(
            Error{ErrorCode::BadData, fmt::format("no \"xdebugpy\" cookie at {:#x}", runtime), runtime});
    uint64_t hex = head.version;
    auto version = PythonVersion::from_hex(static_cast<uint32_t>(hex));
    if (hex >> 32 || version.major != 3 || version.minor < 13)
        return pyxray::unexpected(
            Error{ErrorCode::BadData,
                  fmt::format("the version after the cookie at {:#x} is {:#x}, not a CPython 3.13+ version",
                              runtime, hex),
                  runtime});
    return version;
}

Result<void> check_interpreters_head(const Memory& memory, uint64_t runtime, const Offsets& offsets) {
    PYXRAY_TRY(head, read_pointer(memory, runtime + offsets.runtime_state.interpreters_head));
    if (head == 0 || !aligned(head)) return not_an_interpreter(head, "null or misaligned");
    auto id = read_value<int64_t>(memory, head + offsets.interpreter_state.id);
    if (!id) return not_an_interpreter(head, "its id is unreadable");
    if (*id < 0 || *id > kMaxInterpreterId) return not_an_interpreter(head, fmt::format("its id is {}", *id));
    auto next = read_pointer(memory, head + offsets.interpreter_state.next);
    if (!next || !aligned(*next) || (*next != 0 && !read_pointer(memory, *next)))
        return not_an_interpreter(head, "its next interpreter is unreadable");
    auto thread = read_pointer(memory, head + offsets.interpreter_state.threads_head);
    if (!thread || !aligned(*thread)) return not_an_interpreter(head, "its thread list is unreadable");
    if (*thread == 0) return {};  // an interpreter between threads
    auto back = read_pointer(memory, *thread + offsets.thread_state.interp);
    if (!back || *back != head)
        return not_an_interpreter(head,
                                  fmt::format("its first thread state {:#x} belongs elsewhere", *thread));
    return {};
}

}  // namespace pyxray
