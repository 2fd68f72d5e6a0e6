// A core file's memory: bytes the core holds, else the mapped file on disk, else unreadable.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "memory/core_image.hpp"

namespace pyxray {
namespace {

template <class Range, class Start, class End>
auto find_holder(const Range& sorted, uint64_t address, Start start, End end) -> decltype(&sorted[0]) {
    auto after = std::upper_bound(sorted.begin(), sorted.end(), address,
                                  [&](uint64_t a, const auto& item) { return a < start(item); });
    if (after == sorted.begin()) return nullptr;
    auto& candidate = *std::prev(after);
    return address < end(candidate) ? &candidate : nullptr;
}

class CoreMemory final : public Memory {
public:
    CoreMemory(std::shared_ptr<const CoreImage> image, LeftOutPages left_out)
        : image_(std::move(image)), left_out_(std::move(left_out)) {}

    Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        size_t done = 0;
        while (done < out.size()) {
            PYXRAY_TRY(count, read_piece(address + done, out.subspan(done)));
            done += count;
        }
        return {};
    }

private:
    // Reads the start of `out` from the one source that holds `address`; returns the count read.
    Result<size_t> read_piece(uint64_t address, std::span<std::byte> out) const {
        auto* segment = find_holder(
            image_->segments, address, [](const CoreSegment& s) { return s.vaddr; },
            [](const CoreSegment& s) { return s.vaddr + s.memsz; });
        // gdb's gcore writes no segment at all for file-backed mappings it did not dump.
        if (segment == nullptr) return read_mapped_file(address, out);
        uint64_t offset = address - segment->vaddr;
        size_t want = std::min<uint64_t>(out.size(), segment->memsz - offset);
        // Past filesz: the core left the pages out because they were unmodified file pages.
        if (offset >= segment->filesz) return read_mapped_file(address, out.first(want));
        uint64_t file_offset = segment->offset + offset;
        uint64_t in_file = file_offset < image_->file_size ? image_->file_size - file_offset : 0;
        size_t from_core = std::min<uint64_t>({want, segment->filesz - offset, in_file});
        size_t got = from_core > 0 ? image_->file->read_at(file_offset, out.data(), from_core) : 0;
        if (got > 0) return got;
        // Cut off by a truncated core: the file on disk holds the same bytes only if the process
        // could not have written them.
        if (segment->writable)
            return unreadable(address, fmt::format("the core is truncated (its {} bytes end before this "
                                                   "writable segment's data at offset {})",
                                                   image_->file_size, file_offset));
        return read_mapped_file(address, out.first(want));
    }

    // Pages a core left out (filesz < memsz, cut off by a truncated core, or no segment at all)
    // are still on disk when the mapping was file-backed.
    Result<size_t> read_mapped_file(uint64_t address, std::span<std::byte> out) const {
        auto* mapping = find_holder(
            image_->mapped_files, address, [](const MappedFile& m) { return m.start; },
            [](const MappedFile& m) { return m.end; });
        if (mapping == nullptr)
            return unreadable(address,
                              "the core holds no bytes for it and no mapped file backs it "
                              "(it was unmapped, or anonymous memory the core left out)");
        if (!left_out_.from_files)
            return unreadable(address, "the core holds no bytes for it (its mapped file is not read here)");
        const std::string& path = file_standing_in(mapping->path);
        if (path.empty())
            return unreadable(address,
                              fmt::format("the core left it out and no file here has the build-id "
                                          "it recorded for '{}'; map it with --sysroot or --lib-path",
                                          mapping->path));
        auto [file, open_error] = open_mapped(path);
        if (!file)
            return unreadable(address, fmt::format("the core left it out and its mapped file '{}' "
                                                   "cannot be opened ({})",
                                                   path, std::strerror(open_error)));
        size_t want = std::min<uint64_t>(out.size(), mapping->end - address);
        size_t got = file->read_at(address - mapping->start + mapping->file_offset, out.data(), want);
        if (got == 0)
            return unreadable(address, fmt::format("the core left it out and it lies past the end "
                                                   "of its mapped file '{}'",
                                                   path));
        return got;
    }

    const std::string& file_standing_in(const std::string& recorded) const {
        auto found = left_out_.files.find(recorded);
        return found != left_out_.files.end() ? found->second : recorded;
    }

    struct OpenedFile {
        std::shared_ptr<const detail::FileHandle> handle;  // nullptr: it could not be opened
        int error = 0;
    };

    OpenedFile open_mapped(const std::string& path) const {
        std::lock_guard lock(mutex_);
        auto [it, inserted] = open_files_.try_emplace(path);
        if (inserted) {
            it->second.handle = detail::FileHandle::open_read_only(path);
            it->second.error = it->second.handle ? 0 : errno;
        }
        return it->second;
    }

    pyxray::unexpected<Error> unreadable(uint64_t address, const std::string& why) const {
        return fail(ErrorCode::Unreadable,
                    fmt::format("cannot read 0x{:x} from core '{}': {}", address, image_->path, why),
                    address);
    }

    std::shared_ptr<const CoreImage> image_;
    LeftOutPages left_out_;
    mutable std::mutex mutex_;
    mutable std::map<std::string, OpenedFile> open_files_;
};

}  // namespace

std::unique_ptr<Memory> make_core_memory(std::shared_ptr<const CoreImage> image, LeftOutPages left_out) {
    return std::make_unique<CoreMemory>(std::move(image), std::move(left_out));
}

}  // namespace pyxray
