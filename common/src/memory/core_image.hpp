// What a core file's memory reads from: the open core, its PT_LOAD segments and the files its
// NT_FILE note says were mapped. Shared by CoreFile and every memory object made from it, so a
// memory object stays valid after the CoreFile that made it is gone.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "memory/file_handle.hpp"
#include "pyxray/core_file.hpp"

namespace pyxray {

struct CoreSegment {
    uint64_t vaddr = 0, memsz = 0, filesz = 0, offset = 0;
    bool writable = false;  // PF_W: its bytes on disk may be stale, so never stand in for the core's
};

struct CoreImage {
    std::string path;
    std::shared_ptr<const detail::FileHandle> file;
    uint64_t file_size = 0;
    std::vector<CoreSegment> segments;     // sorted by vaddr
    std::vector<MappedFile> mapped_files;  // sorted by start
};

// Where a core memory reads the pages a core left out of file-backed mappings.
struct LeftOutPages {
    bool from_files = true;  // false: only the core's own bytes (to read what the core recorded)
    // Recorded path -> the file read instead ("" = none can be trusted); others read as recorded.
    std::map<std::string, std::string> files = {};
};

std::unique_ptr<Memory> make_core_memory(std::shared_ptr<const CoreImage> image, LeftOutPages left_out = {});

}  // namespace pyxray
