// Fixed bytes at fixed addresses: the memory of decoder tests.
#include <fmt/format.h>

#include <algorithm>

#include "pyxray/memory.hpp"

namespace pyxray {

void BufferMemory::add(uint64_t address, std::vector<std::byte> bytes) {
    // Kept sorted by address so a read finds its region by binary search.
    auto position = std::upper_bound(regions_.begin(), regions_.end(), address,
                                     [](uint64_t a, const Region& r) { return a < r.address; });
    regions_.insert(position, Region{address, std::move(bytes)});
}

void BufferMemory::add(uint64_t address, const void* data, size_t size) {
    auto* first = static_cast<const std::byte*>(data);
    add(address, std::vector<std::byte>(first, first + size));
}

Result<void> BufferMemory::read(uint64_t address, std::span<std::byte> out) const {
    if (!out.empty() && out.size() - 1 > UINT64_MAX - address)
        return fail(ErrorCode::Unreadable,
                    fmt::format("cannot read {} bytes at 0x{:x}: the range wraps past the top "
                                "of the address space",
                                out.size(), address),
                    address);
    size_t done = 0;
    while (done < out.size()) {
        uint64_t cursor = address + done;
        // The last region starting at or before the cursor that holds it; when regions overlap,
        // the one added at the higher address wins.
        auto after = std::upper_bound(regions_.begin(), regions_.end(), cursor,
                                      [](uint64_t a, const Region& r) { return a < r.address; });
        const Region* holder = nullptr;
        for (auto it = after; it != regions_.begin();) {
            --it;
            if (cursor - it->address < it->bytes.size()) {
                holder = &*it;
                break;
            }
        }
        if (holder == nullptr)
            return fail(ErrorCode::Unreadable,
                        fmt::format("cannot read {} bytes at 0x{:x}: 0x{:x} is in no buffer region",
                                    out.size(), address, cursor),
                        cursor);
        size_t offset = cursor - holder->address;
        size_t count = std::min(out.size() - done, holder->bytes.size() - offset);
        std::memcpy(out.data() + done, holder->bytes.data() + offset, count);
        done += count;
    }
    return {};
}

}  // namespace pyxray
