// The mappings of a core (its PT_LOAD segments): where the runtime locator scans for
// _Py_DebugOffsets' cookie when no symbol or section names it (a live process's: process_maps.cpp).
#include <algorithm>

#include "pyxray/core_file.hpp"

namespace pyxray {
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
