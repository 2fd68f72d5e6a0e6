// The notes of a Linux x86-64 core: threads (NT_PRSTATUS), the process (NT_PRPSINFO), the
// signal each thread took (NT_SIGINFO) and the mapped files (NT_FILE).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pyxray/core_file.hpp"

namespace pyxray {

struct CoreNotes {
    std::vector<CoreThread> threads;
    std::optional<int> pid;    // from NT_PRPSINFO
    std::string command;       // pr_fname: the executable's basename, at most 15 characters
    std::string command_line;  // pr_psargs
    std::vector<MappedFile> mapped_files;
    // The NT_SIGINFO that follows the first thread's NT_PRSTATUS (the kernel writes one, after
    // the thread that took the signal; gdb one per thread).
    std::optional<TargetSignal> first_thread_siginfo;
};

// The signal the core's first thread took (CoreFile::signal()); empty without thread notes.
std::optional<TargetSignal> core_signal(const CoreNotes& notes);

// Adds what one note says to `notes`; notes too short for their type are ignored, since a core
// that lost a note still has memory worth reading.
void add_core_note(uint32_t type, std::span<const std::byte> desc, CoreNotes& notes);

}  // namespace pyxray
