// The mappings of a live process (/proc/PID/maps) and of a core (its PT_LOAD segments): where
// the runtime locator scans for _Py_DebugOffsets' cookie when no symbol or section names it.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <string_view>

#include "pyxray/core_file.hpp"

namespace pyxray {
namespace {

constexpr size_t kMaxMapLines = 1 << 22;

bool parse_hex(std::string_view text, uint64_t& value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    return error == std::errc() && end == text.data() + text.size();
}

std::string_view next_field(std::string_view& line) {
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    size_t space = std::min(line.find(' '), line.size());
    std::string_view field = line.substr(0, space);
    line.remove_prefix(space);
    return field;
}

// "start-end perms offset dev inode   path"; the path may contain spaces, or be absent.
std::optional<MemoryRegion> parse_maps_line(std::string_view line) {
    std::string_view range = next_field(line);
    std::string_view perms = next_field(line);
    for (int skipped = 0; skipped < 3; ++skipped) next_field(line);  // offset, device, inode
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    size_t dash = range.find('-');
    MemoryRegion region;
    if (dash == std::string_view::npos || perms.size() < 2 ||
        !parse_hex(range.substr(0, dash), region.start) || !parse_hex(range.substr(dash + 1), region.end) ||
        region.end <= region.start)
        return std::nullopt;
    region.writable = perms[1] == 'w';
    if (perms[0] != 'r') return std::nullopt;  // nothing to scan in it
    region.path = std::string(line);
    return region;
}

}  // namespace

Result<std::vector<MemoryRegion>> memory_regions_of_process(int pid) {
    std::string maps_path = fmt::format("/proc/{}/maps", pid);
    std::ifstream maps(maps_path);
    if (!maps)
        return fail(ErrorCode::Io,
                    fmt::format("cannot read {}: {}; is process {} running and yours to inspect?", maps_path,
                                std::strerror(errno), pid));
    std::vector<MemoryRegion> regions;
    std::string line;
    for (size_t count = 0; count < kMaxMapLines && std::getline(maps, line); ++count)
        if (auto region = parse_maps_line(line)) regions.push_back(std::move(*region));
    return regions;
}

namespace {

// gdb's gcore writes no segment for file-backed mappings it did not dump (a library's text):
// they are regions still, named by the NT_FILE note, so a pc there is placed in its module.
// Read-only as far as anyone can tell: the cookie scan never reads them.
void add_files_the_core_left_out(const std::vector<MappedFile>& files, std::vector<MemoryRegion>& regions) {
    std::vector<MemoryRegion> added;
    for (const MappedFile& file : files) {
        bool covered = std::any_of(regions.begin(), regions.end(), [&](const MemoryRegion& region) {
            return region.start < file.end && file.start < region.end;
        });
        if (!covered) added.push_back(MemoryRegion{file.start, file.end, false, file.path});
    }
    regions.insert(regions.end(), added.begin(), added.end());
    std::sort(regions.begin(), regions.end(),
              [](const MemoryRegion& a, const MemoryRegion& b) { return a.start < b.start; });
}

}  // namespace

std::vector<MemoryRegion> memory_regions_of_core(const CoreFile& core) {
    const std::vector<MappedFile>& files = core.mapped_files();  // sorted by start
    std::vector<MemoryRegion> regions;
    for (const CoreFile::Segment& segment : core.segments()) {
        MemoryRegion region{segment.vaddr, segment.vaddr + segment.memsz, segment.writable, {}};
        auto after =
            std::upper_bound(files.begin(), files.end(), segment.vaddr,
                             [](uint64_t address, const MappedFile& file) { return address < file.start; });
        if (after != files.begin() && segment.vaddr < std::prev(after)->end)
            region.path = std::prev(after)->path;
        regions.push_back(std::move(region));
    }
    add_files_the_core_left_out(files, regions);
    return regions;
}

}  // namespace pyxray
