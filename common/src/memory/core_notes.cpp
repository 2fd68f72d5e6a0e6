// Decoding of the note payloads a Linux x86-64 kernel (or gdb's gcore) writes into a core.
#include "memory/core_notes.hpp"

#include <elf.h>
#include <sys/procfs.h>
#include <sys/user.h>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace pyxray {
namespace {

// The kernel's x86-64 layouts, which glibc mirrors; the host must be x86-64 to use them.
static_assert(sizeof(void*) == 8, "core notes are decoded with the x86-64 layouts");
static_assert(sizeof(elf_prstatus) == 336 && sizeof(elf_prpsinfo) == 136);
static_assert(sizeof(elf_gregset_t) == sizeof(user_regs_struct));

// No real process maps more; a larger count is a corrupt note.
constexpr uint64_t kMaxMappedFiles = 1 << 20;

template <class T>
bool copy_prefix(std::span<const std::byte> desc, T& out) {
    if (desc.size() < sizeof(T)) return false;
    std::memcpy(&out, desc.data(), sizeof(T));
    return true;
}

void add_prstatus(std::span<const std::byte> desc, CoreNotes& notes) {
    elf_prstatus status;
    if (!copy_prefix(desc, status)) return;
    user_regs_struct regs;
    std::memcpy(&regs, &status.pr_reg, sizeof regs);
    notes.threads.push_back(CoreThread{status.pr_pid, regs.fs_base, regs.rip, regs.rsp, status.pr_cursig});
}

// The fault signals whose si_addr is the faulting address (siginfo's _sigfault member).
bool has_fault_address(int signo) {
    return signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE;
}

// Only the first thread's: that is the thread the kernel names as having taken the signal.
void add_siginfo(std::span<const std::byte> desc, CoreNotes& notes) {
    siginfo_t info;
    if (notes.threads.size() != 1 || notes.first_thread_siginfo || !copy_prefix(desc, info)) return;
    TargetSignal signal{info.si_signo, info.si_code, std::nullopt, notes.threads[0].tid};
    // A positive code means the kernel raised it (SI_FROMKERNEL): only then does siginfo hold
    // _sigfault; kill(), tgkill() and raise() fill the same bytes with the sender's pid and uid.
    if (has_fault_address(info.si_signo) && info.si_code > 0)
        signal.address = reinterpret_cast<uint64_t>(info.si_addr);
    notes.first_thread_siginfo = signal;
}

void add_prpsinfo(std::span<const std::byte> desc, CoreNotes& notes) {
    elf_prpsinfo info;
    if (!copy_prefix(desc, info)) return;
    notes.pid = info.pr_pid;
    notes.command.assign(info.pr_fname, strnlen(info.pr_fname, sizeof info.pr_fname));
    notes.command_line.assign(info.pr_psargs, strnlen(info.pr_psargs, sizeof info.pr_psargs));
    while (!notes.command_line.empty() && notes.command_line.back() == ' ') notes.command_line.pop_back();
}

// count, page size, count x (start, end, offset in pages), then count NUL-terminated paths.
void add_file_note(std::span<const std::byte> desc, CoreNotes& notes) {
    auto word = [&](size_t index) {
        uint64_t value;
        std::memcpy(&value, desc.data() + index * 8, 8);
        return value;
    };
    if (desc.size() < 16) return;
    uint64_t count = word(0);
    uint64_t page_size = word(1);
    if (count > kMaxMappedFiles || desc.size() / 24 < count) return;
    size_t names_at = 16 + count * 24;
    if (names_at > desc.size()) return;
    auto* names = reinterpret_cast<const char*>(desc.data()) + names_at;
    size_t names_left = desc.size() - names_at;
    for (uint64_t i = 0; i < count && names_left > 0; ++i) {
        size_t length = strnlen(names, names_left);
        MappedFile file{word(2 + i * 3), word(3 + i * 3), word(4 + i * 3) * page_size,
                        std::string(names, length)};
        if (file.start < file.end) notes.mapped_files.push_back(std::move(file));
        size_t used = std::min(length + 1, names_left);
        names += used;
        names_left -= used;
    }
}

}  // namespace

void add_core_note(uint32_t type, std::span<const std::byte> desc, CoreNotes& notes) {
    switch (type) {
        case NT_PRSTATUS:
            add_prstatus(desc, notes);
            break;
        case NT_PRPSINFO:
            add_prpsinfo(desc, notes);
            break;
        case NT_FILE:
            add_file_note(desc, notes);
            break;
        case NT_SIGINFO:
            add_siginfo(desc, notes);
            break;
        default:
            break;  // NT_AUXV, register sets: not needed yet
    }
}

std::optional<TargetSignal> core_signal(const CoreNotes& notes) {
    if (notes.first_thread_siginfo) return notes.first_thread_siginfo;
    if (notes.threads.empty()) return std::nullopt;
    return TargetSignal{notes.threads[0].current_signal, std::nullopt, std::nullopt, notes.threads[0].tid};
}

}  // namespace pyxray
