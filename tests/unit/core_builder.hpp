// Test helpers for memory and core files: a writer of small synthetic x86-64 ELF cores
// (PT_LOAD segments, NT_PRSTATUS, NT_PRPSINFO and NT_FILE notes laid out as the Linux kernel
// writes them), a forked child blocked on a pipe, a temporary directory and gdb's gcore.
#pragma once

#include <elf.h>
#include <fcntl.h>
#include <sys/procfs.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace pyxray::testing {

class CoreBuilder {
public:
    struct FileMapping {
        uint64_t start, end, page_offset;
        std::string path;
    };

    // `bytes` become the segment's file contents: filesz = bytes.size() <= memsz.
    void add_load(uint64_t vaddr, uint64_t memsz, std::vector<std::byte> bytes = {},
                  uint32_t flags = PF_R | PF_W) {
        loads_.push_back(Load{vaddr, memsz, std::move(bytes), flags});
    }

    void add_thread(int tid, uint64_t rip, uint64_t rsp, uint64_t fs_base) {
        elf_prstatus status{};
        status.pr_pid = tid;
        user_regs_struct regs{};
        regs.rip = rip;
        regs.rsp = rsp;
        regs.fs_base = fs_base;
        std::memcpy(&status.pr_reg, &regs, sizeof regs);
        add_note(NT_PRSTATUS, &status, sizeof status);
    }

    void set_process(int pid, const std::string& command) {
        elf_prpsinfo info{};
        info.pr_pid = pid;
        std::strncpy(info.pr_fname, command.c_str(), sizeof info.pr_fname - 1);
        add_note(NT_PRPSINFO, &info, sizeof info);
    }

    void set_files(const std::vector<FileMapping>& files, uint64_t page_size = 4096) {
        std::vector<uint64_t> words{files.size(), page_size};
        for (const auto& file : files) words.insert(words.end(), {file.start, file.end, file.page_offset});
        std::vector<std::byte> desc(words.size() * 8);
        std::memcpy(desc.data(), words.data(), desc.size());
        for (const auto& file : files) {
            auto* chars = reinterpret_cast<const std::byte*>(file.path.c_str());
            desc.insert(desc.end(), chars, chars + file.path.size() + 1);
        }
        add_note(NT_FILE, desc.data(), desc.size());
    }

    std::vector<std::byte> build(uint16_t type = ET_CORE, uint16_t machine = EM_X86_64) const {
        std::vector<std::byte> notes = note_bytes();
        size_t phnum = 1 + loads_.size();
        uint64_t cursor = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
        std::vector<Elf64_Phdr> headers;
        headers.push_back(Elf64_Phdr{PT_NOTE, 0, cursor, 0, 0, notes.size(), 0, 4});
        cursor += notes.size();
        for (const Load& load : loads_) {
            cursor = (cursor + 15) / 16 * 16;
            headers.push_back(
                Elf64_Phdr{PT_LOAD, load.flags, cursor, load.vaddr, 0, load.bytes.size(), load.memsz, 4096});
            cursor += load.bytes.size();
        }
        std::vector<std::byte> image(cursor);
        Elf64_Ehdr header{};
        std::memcpy(header.e_ident, ELFMAG, SELFMAG);
        header.e_ident[EI_CLASS] = ELFCLASS64;
        header.e_ident[EI_DATA] = ELFDATA2LSB;
        header.e_ident[EI_VERSION] = EV_CURRENT;
        header.e_type = type;
        header.e_machine = machine;
        header.e_version = EV_CURRENT;
        header.e_phoff = sizeof(Elf64_Ehdr);
        header.e_ehsize = sizeof(Elf64_Ehdr);
        header.e_phentsize = sizeof(Elf64_Phdr);
        header.e_phnum = static_cast<uint16_t>(phnum);
        std::memcpy(image.data(), &header, sizeof header);
        std::memcpy(image.data() + sizeof header, headers.data(), headers.size() * sizeof(Elf64_Phdr));
        if (!notes.empty()) std::memcpy(image.data() + headers[0].p_offset, notes.data(), notes.size());
        for (size_t i = 0; i < loads_.size(); ++i)
            if (!loads_[i].bytes.empty())
                std::memcpy(image.data() + headers[i + 1].p_offset, loads_[i].bytes.data(),
                            loads_[i].bytes.size());
        return image;
    }

    // Writes the first `keep` bytes of the core (all of it by default); returns the full size.
    size_t write(const std::string& path, size_t keep = SIZE_MAX, uint16_t type = ET_CORE,
                 uint16_t machine = EM_X86_64) const {
        std::vector<std::byte> image = build(type, machine);
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(image.data()),
                  static_cast<std::streamsize>(std::min(keep, image.size())));
        return image.size();
    }

    // The offset in the core file where a segment's bytes start.
    uint64_t load_offset(size_t index) const {
        Elf64_Phdr header;
        std::vector<std::byte> image = build();
        std::memcpy(&header, image.data() + sizeof(Elf64_Ehdr) + (index + 1) * sizeof(Elf64_Phdr),
                    sizeof header);
        return header.p_offset;
    }

private:
    struct Load {
        uint64_t vaddr, memsz;
        std::vector<std::byte> bytes;
        uint32_t flags;
    };
    struct Note {
        uint32_t type;
        std::vector<std::byte> desc;
    };

    void add_note(uint32_t type, const void* data, size_t size) {
        auto* first = static_cast<const std::byte*>(data);
        notes_.push_back(Note{type, std::vector<std::byte>(first, first + size)});
    }

    std::vector<std::byte> note_bytes() const {
        std::vector<std::byte> out;
        auto append = [&](const void* data, size_t size) {
            auto* first = static_cast<const std::byte*>(data);
            out.insert(out.end(), first, first + size);
            out.resize((out.size() + 3) / 4 * 4);
        };
        for (const Note& note : notes_) {
            Elf64_Nhdr header{5, static_cast<Elf64_Word>(note.desc.size()), note.type};
            append(&header, sizeof header);
            append("CORE", 5);
            append(note.desc.data(), note.desc.size());
        }
        return out;
    }

    std::vector<Load> loads_;
    std::vector<Note> notes_;
};

// A forked child that has stored `value` in `*slot` and blocks reading a pipe until the
// BlockedChild is destroyed, which closes the pipe and waits for the child.
class BlockedChild {
public:
    BlockedChild(volatile uint64_t* slot, uint64_t value) {
        int ready[2], release[2];
        if (pipe(ready) != 0) return;
        if (pipe(release) != 0) {
            close(ready[0]);
            close(ready[1]);
            return;
        }
        pid_ = fork();
        if (pid_ == 0) {
            close(ready[0]);
            close(release[1]);  // else the child would hold its own release pipe open
            *slot = value;
            char byte = 'r';
            (void)!write(ready[1], &byte, 1);
            (void)!read(release[0], &byte, 1);
            _exit(0);
        }
        close(ready[1]);
        close(release[0]);
        release_fd_ = release[1];
        char byte = 0;
        ok_ = pid_ > 0 && read(ready[0], &byte, 1) == 1;
        close(ready[0]);
    }
    BlockedChild(const BlockedChild&) = delete;
    BlockedChild& operator=(const BlockedChild&) = delete;
    ~BlockedChild() {
        if (release_fd_ >= 0) close(release_fd_);  // EOF on the pipe lets the child exit
        if (pid_ > 0) waitpid(pid_, nullptr, 0);
    }
    bool ok() const { return ok_; }
    int pid() const { return pid_; }

private:
    int pid_ = -1;
    int release_fd_ = -1;
    bool ok_ = false;
};

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/pyxray-test-XXXXXX";
        if (mkdtemp(name) != nullptr) path_ = name;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
    }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Runs `gdb -batch -p PID -ex 'gcore FILE'` (the process keeps running); returns gdb's output.
inline std::string run_gcore(int pid, const std::string& core_path, const std::string& log_path) {
    pid_t gdb = fork();
    if (gdb == 0) {
        int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(log, 1);
        dup2(log, 2);
        setenv("DEBUGINFOD_URLS", "", 1);
        std::string pid_text = std::to_string(pid);
        std::string command = "gcore " + core_path;
        execl("/usr/bin/gdb", "gdb", "-nx", "-batch", "-p", pid_text.c_str(), "-ex", command.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    if (gdb > 0) waitpid(gdb, nullptr, 0);
    std::ifstream log(log_path);
    return std::string(std::istreambuf_iterator<char>(log), {});
}

}  // namespace pyxray::testing
