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

Result<CodeInfo> CodeCache::read(uint64_t address) {
    const auto& layout = offsets_.code_object;
    PYXRAY_TRY_VOID(check_is_code(address));
    PYXRAY_TRY(header, read_bytes(memory_, address, layout.size));
    auto field = [&](uint64_t offset, auto out) { std::memcpy(out, header.data() + offset, sizeof(*out)); };
    uint64_t filename = 0, name = 0, qualname = 0, linetable = 0;
    int32_t first_line = 0, first_traceable = 0;
    field(layout.filename, &filename);
    field(layout.name, &name);
    field(layout.qualname, &qualname);
    field(layout.linetable, &linetable);
    field(layout.firstlineno, &first_line);
    bool inline_code = !offsets_.frame_object;  // 3.8-3.10: no _co_firsttraceable, no inline code
    if (inline_code) field(layout.firsttraceable, &first_traceable);
    CodeInfo info;
    PYXRAY_TRY(name_text, read_unicode(memory_, offsets_, name));
    PYXRAY_TRY(qualname_text, read_unicode(memory_, offsets_, qualname));
    PYXRAY_TRY(filename_text, read_unicode(memory_, offsets_, filename));
    PYXRAY_TRY(table, read_bytes_object(memory_, offsets_, linetable));
    info.name = std::move(name_text);
    info.qualname = std::move(qualname_text);
    info.filename = std::move(filename_text);
    info.linetable = std::move(table);
    info.first_line = first_line;
    info.first_traceable = first_traceable;
    if (inline_code) info.code_units = address + layout.co_code_adaptive;
    if (layout.co_tlbc) {
        uint64_t copies = 0;
        field(*layout.co_tlbc, &copies);
        info.thread_copies = copies;
    }
    return info;
}

Result<const CodeInfo*> CodeCache::get(uint64_t address) {
    auto found = codes_.find(address);
    if (found == codes_.end()) {
        if (codes_.size() >= kMaxCodeCacheEntries) codes_.clear();
        auto info = read(address);
        Result<std::unique_ptr<CodeInfo>> entry =
            info ? Result<std::unique_ptr<CodeInfo>>(std::make_unique<CodeInfo>(std::move(*info)))
                 : pyxray::unexpected(info.error());
        found = codes_.emplace(address, std::move(entry)).first;
    }
    if (!found->second) return pyxray::unexpected(found->second.error());
    return found->second->get();
}

}  // namespace pyxray
