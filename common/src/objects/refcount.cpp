// Py_REFCNT of a remote object (py-refcnt, py-refwatch), per object-header layout, and
// whether the object is immortal.
#include "objects/refcount.hpp"

#include <fmt/format.h>

#include <limits>

#include "objects/object_reader.hpp"

namespace pyxray {

namespace {

constexpr uint32_t kVersion312 = 0x030c0000;
// _Py_REF_SHARED_SHIFT (Include/object.h, free-threaded builds): ob_ref_shared's low two bits
// are flags (merged, queued), not references.
constexpr int kSharedShift = 2;

// PEP 683 (3.12, gh-84436): a default build's immortal objects have the 32-bit refcount's sign
// bit set (_Py_IsImmortal: (int32_t)ob_refcnt < 0 on 64-bit builds); earlier versions have none.
bool default_build_immortal(uint32_t version_hex, int64_t ob_refcnt) {
    return version_hex >= kVersion312 && static_cast<int32_t>(ob_refcnt) < 0;
}

Result<Refcount> read_split(const Memory& memory, const RefcountOffsets& at, uint64_t address) {
    PYXRAY_TRY(local, read_value<uint32_t>(memory, address + at.ob_ref_local));
    PYXRAY_TRY(shared, read_value<int64_t>(memory, address + at.ob_ref_shared));
    // Free-threaded 3.13+ (PEP 703): _Py_IsImmortal is ob_ref_local == _Py_IMMORTAL_REFCNT_LOCAL.
    if (local == std::numeric_limits<uint32_t>::max()) return Refcount{local, true};
    return Refcount{static_cast<int64_t>(local) + (shared >> kSharedShift), false};
}

}  // namespace

Result<Refcount> read_refcount(const Memory& memory, const Offsets& offsets, uint32_t version_hex,
                               uint64_t address) {
    PYXRAY_TRY_VOID(ObjectReader(memory, offsets).check_object(address));
    Refcount count;
    if (offsets.refcount.split) {
        PYXRAY_TRY(split, read_split(memory, offsets.refcount, address));
        count = split;
    } else {
        PYXRAY_TRY(plain, read_value<int64_t>(memory, address + offsets.refcount.ob_refcnt));
        count = Refcount{plain, default_build_immortal(version_hex, plain)};
    }
    if (!count.immortal && count.value <= 0)
        return fail(ErrorCode::BadData,
                    fmt::format("{:#x} has refcount {}: it was freed, or is no object", address, count.value),
                    address);
    return count;
}

}  // namespace pyxray
