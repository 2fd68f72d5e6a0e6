#include "interp/code_objects.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>

#include "interp/line_table.hpp"
#include "interp/strings.hpp"

namespace pyxray {

constexpr size_t kMaxCodeCacheEntries = 1 << 20;

int CodeInfo::line_at(int code_unit) const {
    auto found = lines_.find(code_unit);
    if (found != lines_.end()) return found->second;
    int line = line_for_code_unit(linetable, first_line, code_unit);
    lines_.emplace(code_unit, line);
    return line;
}

// Far more copies than a process has threads: the array grows with the thread indices in use.
constexpr int64_t kMaxThreadCopies = 1 << 20;

Result<uint64_t> CodeInfo::read_thread_copy(const Memory& memory, int32_t index) const {
    auto bad = [&](std::string why) {
        return fail(ErrorCode::BadData, fmt::format("thread-local bytecode of {}: {}", qualname, why),
                    thread_copies.value_or(0));
    };
    if (index < 0) return bad(fmt::format("negative tlbc_index {}", index));
    if (*thread_copies == 0) {  // no array yet: only the main copy exists
        if (index == 0) return code_units;
        return bad(fmt::format("tlbc_index {} but co_tlbc is NULL", index));
    }
    PYXRAY_TRY(size, read_value<int64_t>(memory, *thread_copies));  // _PyCodeArray.size
    if (size <= 0 || size > kMaxThreadCopies)
        return bad(fmt::format("implausible co_tlbc size {} at {:#x}", size, *thread_copies));
    if (index >= size) return bad(fmt::format("tlbc_index {} is outside co_tlbc's {} entries", index, size));
    PYXRAY_TRY(copy, read_pointer(memory, *thread_copies + 8 + 8 * static_cast<uint64_t>(index)));
    if (copy == 0) return bad(fmt::format("co_tlbc entry {} is NULL", index));
    return copy;
}

Result<uint64_t> CodeInfo::bytecode_start(const Memory& memory, std::optional<int32_t> tlbc_index) const {
    if (!thread_copies || !tlbc_index) return code_units;
    auto found = copies_.find(*tlbc_index);
    if (found != copies_.end()) return found->second;
    PYXRAY_TRY(copy, read_thread_copy(memory, *tlbc_index));
    copies_.emplace(*tlbc_index, copy);
    return copy;
}

// A core whose libpython file is missing here lacks its .rodata, where tp_name's text lives.
// Then the type is taken for `code` by its shape: tp_itemsize is a code unit and tp_basicsize
// (offsetof co_code_adaptive) is PyCodeObject's size less its padded tail. Both follow tp_name in
// every PyTypeObject.
bool CodeCache::shaped_like_code(uint64_t type) const {
    auto sizes = read_value<std::array<int64_t, 2>>(memory_, type + offsets_.type_object.tp_name + 8);
    if (!sizes) return false;
    auto [basic, item] = *sizes;
    auto full = static_cast<int64_t>(offsets_.code_object.size);
    return item == 2 && basic > 0 && basic <= full && basic >= full - 16;
}

Result<void> CodeCache::check_is_code(uint64_t address) {
    PYXRAY_TRY(type, read_pointer(memory_, address + offsets_.pyobject.ob_type));
    auto known = type_is_code_.find(type);
    if (known == type_is_code_.end()) {
        auto name = read_type_name(memory_, offsets_, address);
        bool is_code =
            name ? *name == "code" : name.error().code == ErrorCode::Unreadable && shaped_like_code(type);
        known = type_is_code_.emplace(type, is_code).first;
    }
    if (!known->second)
        return fail(ErrorCode::BadData, fmt::format("{:#x} is not a code object", address), address);
    return {};
}

Result<std::vector<std::byte>> CodeCache::read_header(uint64_t address) {
    return read_bytes(memory_, address, offsets_.code_object.size);
}

CodeInfo::Identity CodeCache::identity_of(std::span<const std::byte> header) const {
    const auto& layout = offsets_.code_object;
    auto field = [&](uint64_t offset, auto out) { std::memcpy(out, header.data() + offset, sizeof(*out)); };
    CodeInfo::Identity identity;
    field(offsets_.pyobject.ob_type, &identity.type);
    field(layout.filename, &identity.filename);
    field(layout.name, &identity.name);
    field(layout.qualname, &identity.qualname);
    field(layout.linetable, &identity.linetable);
    field(layout.firstlineno, &identity.first_line);
    if (layout.co_tlbc) field(*layout.co_tlbc, &identity.thread_copies);
    return identity;
}

Result<CodeInfo> CodeCache::read(uint64_t address) {
    const auto& layout = offsets_.code_object;
    PYXRAY_TRY_VOID(check_is_code(address));
    PYXRAY_TRY(header, read_header(address));
    CodeInfo info;
    info.identity = identity_of(header);
    const CodeInfo::Identity& id = info.identity;
    int32_t first_traceable = 0;
    bool inline_code = !offsets_.frame_object;  // 3.8-3.10: no _co_firsttraceable, no inline code
    if (inline_code)
        std::memcpy(&first_traceable, header.data() + layout.firsttraceable, sizeof(first_traceable));
    PYXRAY_TRY(name_text, read_unicode(memory_, offsets_, id.name));
    PYXRAY_TRY(qualname_text, read_unicode(memory_, offsets_, id.qualname));
    PYXRAY_TRY(filename_text, read_unicode(memory_, offsets_, id.filename));
    PYXRAY_TRY(table, read_bytes_object(memory_, offsets_, id.linetable));
    info.name = std::move(name_text);
    info.qualname = std::move(qualname_text);
    info.filename = std::move(filename_text);
    info.linetable = std::move(table);
    info.first_line = id.first_line;
    info.first_traceable = first_traceable;
    if (inline_code) info.code_units = address + layout.co_code_adaptive;
    if (layout.co_tlbc) info.thread_copies = id.thread_copies;
    return info;
}

// A code object read in an earlier snapshot, if its address still holds it.
bool CodeCache::still_the_same(uint64_t address, const CodeInfo& info) {
    std::array<std::byte, 512> buffer;  // more than any PyCodeObject's fixed part
    if (offsets_.code_object.size > buffer.size()) return false;
    std::span<std::byte> header(buffer.data(), offsets_.code_object.size);
    if (!memory_.read(address, header) || identity_of(header) != info.identity) return false;
    info.forget_thread_copies();
    return true;
}

Result<const CodeInfo*> CodeCache::get(uint64_t address) {
    auto found = codes_.find(address);
    bool fresh =
        found != codes_.end() && (found->second.checked_in == snapshot_ ||
                                  (found->second.info && still_the_same(address, **found->second.info)));
    if (!fresh) {
        if (found == codes_.end() && codes_.size() >= kMaxCodeCacheEntries) codes_.clear();
        auto info = read(address);
        Result<std::unique_ptr<CodeInfo>> entry =
            info ? Result<std::unique_ptr<CodeInfo>>(std::make_unique<CodeInfo>(std::move(*info)))
                 : pyxray::unexpected(info.error());
        found = codes_.insert_or_assign(address, Entry{std::move(entry), snapshot_}).first;
    }
    found->second.checked_in = snapshot_;
    if (!found->second.info) return pyxray::unexpected(found->second.info.error());
    return found->second.info->get();
}

}  // namespace pyxray
