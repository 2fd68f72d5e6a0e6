// Opening an ELF core: checks that it is an x86-64 core, then reads its segments and notes.
#include "pyxray/core_file.hpp"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "memory/core_image.hpp"
#include "memory/core_notes.hpp"
#include "pyxray/path_names.hpp"

namespace pyxray {
namespace {

// A corrupt header could claim any count; a real core has one segment per mapping.
constexpr size_t kMaxProgramHeaders = 1 << 20;

struct ElfCloser {
    void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

std::string elf_problem() {
    const char* message = elf_errmsg(-1);
    return message != nullptr ? message : "unknown libelf error";
}

std::string_view machine_name(int machine) {
    switch (machine) {
        case EM_386:
            return "i386";
        case EM_AARCH64:
            return "aarch64";
        case EM_ARM:
            return "arm";
        case EM_PPC64:
            return "ppc64";
        case EM_S390:
            return "s390";
        case EM_RISCV:
            return "riscv";
        default:
            return "another architecture";
    }
}

std::string_view type_name(int type) {
    switch (type) {
        case ET_EXEC:
            return "an executable";
        case ET_DYN:
            return "a shared object or PIE executable";
        case ET_REL:
            return "an object file";
        default:
            return "not a core";
    }
}

}  // namespace

class CoreFileParser {
public:
    explicit CoreFileParser(std::string path) : path_(std::move(path)) {}

    Result<std::shared_ptr<const CoreFile>> parse(const DecompressionObserver& observer) {
        PYXRAY_TRY_VOID(open_file(observer));
        PYXRAY_TRY_VOID(check_header());
        PYXRAY_TRY_VOID(read_program_headers());
        return build();
    }

private:
    pyxray::unexpected<Error> problem(const std::string& what) const {
        if (compression_ != Compression::None)
            return fail(ErrorCode::Io, fmt::format("cannot read core '{}' (decompressed from {}): {}", path_,
                                                   compression_name(compression_), what));
        return fail(ErrorCode::Io, fmt::format("cannot read core '{}': {}", path_, what));
    }

    Result<void> open_file(const DecompressionObserver& observer) {
        PYXRAY_TRY(bytes, open_core_bytes(path_, observer));
        compression_ = bytes.compression;
        file_ = std::make_shared<const detail::FileHandle>(bytes.release());
        struct stat info;
        if (fstat(file_->fd(), &info) != 0) return problem(std::strerror(errno));
        file_size_ = static_cast<uint64_t>(info.st_size);
        char magic[SELFMAG] = {};
        if (file_->read_at(0, magic, SELFMAG) != SELFMAG || std::memcmp(magic, ELFMAG, SELFMAG) != 0)
            return problem("not an ELF file (first bytes are not \\x7fELF)");
        if (file_size_ < sizeof(Elf64_Ehdr))
            return problem(
                fmt::format("truncated ELF header ({} of {} bytes)", file_size_, sizeof(Elf64_Ehdr)));
        elf_version(EV_CURRENT);
        elf_.reset(elf_begin(file_->fd(), ELF_C_READ, nullptr));
        if (!elf_ || elf_kind(elf_.get()) != ELF_K_ELF)
            return problem(fmt::format("libelf cannot open it ({})", elf_problem()));
        return {};
    }

    Result<void> check_header() {
        GElf_Ehdr header;
        if (gelf_getehdr(elf_.get(), &header) == nullptr)
            return problem(fmt::format("truncated or corrupt ELF header ({})", elf_problem()));
        if (gelf_getclass(elf_.get()) != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB)
            return problem("not a 64-bit little-endian ELF file; only x86-64 cores are supported");
        if (header.e_type != ET_CORE)
            return problem(
                fmt::format("an ELF file but not a core ({}); pass a core dump, for "
                            "example one written by gdb's gcore",
                            type_name(header.e_type)));
        if (header.e_machine != EM_X86_64)
            return problem(fmt::format("a core of {} (ELF machine {}); only x86-64 cores are supported",
                                       machine_name(header.e_machine), header.e_machine));
        if (header.e_phentsize != sizeof(Elf64_Phdr))
            return problem(fmt::format("corrupt ELF header (program header size {}, expected {})",
                                       header.e_phentsize, sizeof(Elf64_Phdr)));
        phdrs_offset_ = header.e_phoff;
        claimed_phdrs_ = header.e_phnum;
        return {};
    }

    Result<void> read_program_headers() {
        size_t count = 0;
        if (elf_getphdrnum(elf_.get(), &count) != 0 || count > kMaxProgramHeaders)
            return problem(fmt::format("truncated or corrupt program headers ({})", elf_problem()));
        // Checked here because libelf quietly reports no program headers when they are cut off.
        // (PN_XNUM: the real count is in section 0, which libelf read for `count`.)
        uint64_t end =
            phdrs_offset_ + (claimed_phdrs_ == PN_XNUM ? count : claimed_phdrs_) * sizeof(Elf64_Phdr);
        if (end > file_size_)
            return problem(fmt::format("truncated: program headers end at byte {} but the file has {}", end,
                                       file_size_));
        if (count == 0) return problem("no program headers, so no memory and no notes");
        for (size_t i = 0; i < count; ++i) {
            GElf_Phdr header;
            if (gelf_getphdr(elf_.get(), static_cast<int>(i), &header) == nullptr)
                return problem(
                    fmt::format("truncated program header {} of {} ({})", i, count, elf_problem()));
            if (header.p_type == PT_LOAD || header.p_type == PT_NOTE)
                needed_size_ = std::max<uint64_t>(needed_size_, header.p_offset + header.p_filesz);
            if (header.p_type == PT_LOAD && header.p_memsz > 0)
                segments_.push_back(CoreSegment{header.p_vaddr, header.p_memsz, header.p_filesz,
                                                header.p_offset, (header.p_flags & PF_W) != 0});
            else if (header.p_type == PT_NOTE)
                read_notes(header);
        }
        return {};
    }

    // A note segment cut off by a truncated core yields the notes before the cut.
    void read_notes(const GElf_Phdr& header) {
        if (header.p_offset >= file_size_) return;
        size_t size = std::min<uint64_t>(header.p_filesz, file_size_ - header.p_offset);
        Elf_Type type = header.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR;
        Elf_Data* data = elf_getdata_rawchunk(elf_.get(), static_cast<int64_t>(header.p_offset), size, type);
        if (data == nullptr) return;
        GElf_Nhdr note;
        size_t name_at = 0;
        size_t desc_at = 0;
        for (size_t offset = 0; offset < data->d_size;) {
            size_t next = gelf_getnote(data, offset, &note, &name_at, &desc_at);
            if (next == 0) break;
            auto* bytes = static_cast<const std::byte*>(data->d_buf);
            std::string_view name(reinterpret_cast<const char*>(bytes) + name_at, note.n_namesz);
            if (name == std::string_view("CORE\0", 5) || name == "CORE")
                add_core_note(note.n_type, std::span(bytes + desc_at, note.n_descsz), notes_);
            offset = next;
        }
    }

    Result<std::shared_ptr<const CoreFile>> build() {
        auto by_vaddr = [](const CoreSegment& a, const CoreSegment& b) { return a.vaddr < b.vaddr; };
        std::sort(segments_.begin(), segments_.end(), by_vaddr);
        auto by_start = [](const MappedFile& a, const MappedFile& b) { return a.start < b.start; };
        std::stable_sort(notes_.mapped_files.begin(), notes_.mapped_files.end(), by_start);

        auto core = std::make_shared<CoreFile>();
        core->path_ = path_;
        core->compression_ = compression_;
        core->pid_ =
            notes_.pid.value_or(notes_.threads.empty() ? 0 : static_cast<int>(notes_.threads[0].tid));
        core->executable_ = guess_executable();
        core->files_ = notes_.mapped_files;
        core->command_line_ = notes_.command_line;
        core->signal_ = core_signal(notes_);
        core->threads_ = std::move(notes_.threads);
        for (const CoreSegment& s : segments_)
            core->segments_.push_back({s.vaddr, s.memsz, s.filesz, s.offset, s.writable});
        core->file_size_ = file_size_;
        core->needed_size_ = needed_size_;
        core->image_ = std::make_shared<const CoreImage>(
            CoreImage{path_, file_, file_size_, std::move(segments_), std::move(notes_.mapped_files)});
        return std::shared_ptr<const CoreFile>(std::move(core));
    }

    // The lowest-mapped file whose basename starts with the command name (the kernel cuts it to
    // 15 characters), else the lowest-mapped file of all.
    std::string guess_executable() const {
        const auto& files = notes_.mapped_files;  // sorted by start
        if (!notes_.command.empty()) {
            for (const MappedFile& file : files) {
                if (path_basename(file.path).starts_with(notes_.command)) return file.path;
            }
        }
        return files.empty() ? std::string() : files.front().path;
    }

    std::string path_;
    Compression compression_ = Compression::None;
    std::shared_ptr<const detail::FileHandle> file_;
    uint64_t file_size_ = 0;
    uint64_t needed_size_ = 0;  // end of the furthest PT_LOAD or PT_NOTE data
    uint64_t phdrs_offset_ = 0;
    uint64_t claimed_phdrs_ = 0;
    ElfPtr elf_;
    std::vector<CoreSegment> segments_;
    CoreNotes notes_;
};

std::optional<CoreTruncation> CoreFile::truncation() const {
    if (file_size_ >= needed_size_) return std::nullopt;
    CoreTruncation cut{file_size_, needed_size_, 0, 0, 0, 0};
    for (const Segment& segment : segments_) {
        if (segment.filesz == 0) continue;
        ++cut.segments;
        cut.promised_bytes += segment.filesz;
        uint64_t end = segment.offset + segment.filesz;
        if (end <= file_size_) continue;
        ++cut.incomplete_segments;
        cut.missing_bytes += end - std::max(segment.offset, file_size_);
    }
    return cut;
}

Result<std::shared_ptr<const CoreFile>> CoreFile::open(const std::string& path,
                                                       const DecompressionObserver& observer) {
    return CoreFileParser(path).parse(observer);
}

int CoreFile::file_descriptor() const { return image_ && image_->file ? image_->file->fd() : -1; }

std::vector<ModuleInfo> CoreFile::modules() const {
    std::map<std::string, uint64_t> base_of;  // path -> start of its offset-0 mapping
    for (const MappedFile& file : files_)
        if (file.file_offset == 0) base_of.try_emplace(file.path, file.start);
    std::vector<ModuleInfo> modules;
    modules.reserve(base_of.size());
    for (auto& [path, base] : base_of) modules.push_back(ModuleInfo{path, base});
    std::sort(modules.begin(), modules.end(),
              [](const ModuleInfo& a, const ModuleInfo& b) { return a.base < b.base; });
    return modules;
}

std::unique_ptr<Memory> CoreFile::memory() const { return memory(resolve_modules(*this, {})); }

std::unique_ptr<Memory> CoreFile::recorded_memory() const {
    if (image_) return make_core_memory(image_, LeftOutPages{false});
    return memory();
}

std::unique_ptr<Memory> CoreFile::memory(const std::vector<ModuleInfo>& modules) const {
    LeftOutPages left_out;
    for (const ModuleInfo& module : modules)
        if (module.status != ModuleFileStatus::Unchecked) left_out.files.emplace(module.path, module.file);
    if (image_) return make_core_memory(image_, std::move(left_out));
    // A default-constructed CoreFile has no segments: every read fails cleanly.
    return make_core_memory(std::make_shared<const CoreImage>(CoreImage{path_, nullptr, 0, {}, {}}));
}

}  // namespace pyxray
