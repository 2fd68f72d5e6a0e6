#include "layout/debug_offsets_314.hpp"

#include <fmt/format.h>

#include <cstring>

namespace pyxray {
namespace {

constexpr uint64_t kMaxSmallStructSize = 4u << 10;

// The members 3.14's and 3.15's tables share with 3.13's, copied by name.
template <class Later>
mirror::DebugOffsets313 project(const Later& t) {
    mirror::DebugOffsets313 c{};
    std::memcpy(c.cookie, t.cookie, sizeof(c.cookie));
    c.version = t.version;
    c.free_threaded = t.free_threaded;
    c.runtime_state = {t.runtime_state.size, t.runtime_state.finalizing, t.runtime_state.interpreters_head};
    const auto& is = t.interpreter_state;
    c.interpreter_state = {is.size,
                           is.id,
                           is.next,
                           is.threads_head,
                           is.gc,
                           is.imports_modules,
                           is.sysdict,
                           is.builtins,
                           is.ceval_gil,
                           is.gil_runtime_state,
                           is.gil_runtime_state_enabled,
                           is.gil_runtime_state_locked,
                           is.gil_runtime_state_holder};
    const auto& ts = t.thread_state;
    c.thread_state = {ts.size,
                      ts.prev,
                      ts.next,
                      ts.interp,
                      ts.current_frame,
                      ts.thread_id,
                      ts.native_thread_id,
                      ts.datastack_chunk,
                      ts.status};
    const auto& f = t.interpreter_frame;
    c.interpreter_frame = {f.size, f.previous, f.executable, f.instr_ptr, f.localsplus, f.owner};
    const auto& co = t.code_object;
    c.code_object = {co.size,
                     co.filename,
                     co.name,
                     co.qualname,
                     co.linetable,
                     co.firstlineno,
                     co.argcount,
                     co.localsplusnames,
                     co.localspluskinds,
                     co.co_code_adaptive};
    c.pyobject = {t.pyobject.size, t.pyobject.ob_type};
    c.type_object = {t.type_object.size, t.type_object.tp_name, t.type_object.tp_repr,
                     t.type_object.tp_flags};
    c.tuple_object = {t.tuple_object.size, t.tuple_object.ob_item, t.tuple_object.ob_size};
    c.list_object = {t.list_object.size, t.list_object.ob_item, t.list_object.ob_size};
    c.dict_object = {t.dict_object.size, t.dict_object.ma_keys, t.dict_object.ma_values};
    c.float_object = {t.float_object.size, t.float_object.ob_fval};
    c.long_object = {t.long_object.size, t.long_object.lv_tag, t.long_object.ob_digit};
    c.bytes_object = {t.bytes_object.size, t.bytes_object.ob_size, t.bytes_object.ob_sval};
    c.unicode_object = {t.unicode_object.size, t.unicode_object.state, t.unicode_object.length,
                        t.unicode_object.asciiobject_size};
    c.gc = {t.gc.size, t.gc.collecting};
    return c;
}

// The thread-local bytecode fields, which only a free-threaded build's table describes.
template <class Later>
void take_tlbc_fields(const Later& t, VersionedDebugTable& out) {
    if (t.free_threaded != 1) return;
    out.frame_tlbc_index = t.interpreter_frame.tlbc_index;
    out.code_tlbc = t.code_object.co_tlbc;
}

// The set layout 3.14+ tables describe, for the object decoder.
template <class Later>
void take_object_fields(const Later& t, VersionedDebugTable& out) {
    out.objects.set_object = LaterObjectDebugFields::Set{t.set_object.size, t.set_object.used,
                                                         t.set_object.table, t.set_object.mask};
    out.gen_object = VersionedDebugTable::Generator{t.gen_object.size, t.gen_object.gi_name,
                                                    t.gen_object.gi_iframe, t.gen_object.gi_frame_state};
    out.frame_stackpointer = t.interpreter_frame.stackpointer;
}

template <class Table>
Result<Table> read_table(const Memory& memory, uint64_t runtime) {
    PYXRAY_TRY(bytes, read_bytes(memory, runtime, sizeof(Table)));
    Table table;
    std::memcpy(&table, bytes.data(), sizeof(Table));
    return table;
}

Result<void> bad(std::string what) {
    return fail(
        ErrorCode::BadData,
        fmt::format("_Py_DebugOffsets at the start of _PyRuntime is not usable: {}", std::move(what)));
}

}  // namespace

mirror::DebugOffsets313 common_part(const mirror::DebugOffsets314& table) { return project(table); }
mirror::DebugOffsets313 common_part(const mirror::DebugOffsets315& table) { return project(table); }

Result<VersionedDebugTable> read_versioned_debug_table(const Memory& memory, uint64_t runtime,
                                                       const PythonVersion& version) {
    VersionedDebugTable out;
    if (version.major == 3 && version.minor == 14) {
        PYXRAY_TRY(table, read_table<mirror::DebugOffsets314>(memory, runtime));
        out.common = project(table);
        take_tlbc_fields(table, out);
        take_object_fields(table, out);
    } else if (version.major == 3 && version.minor == 15) {
        PYXRAY_TRY(table, read_table<mirror::DebugOffsets315>(memory, runtime));
        out.common = project(table);
        out.thread_base_frame = table.thread_state.base_frame;
        out.compact_unicode_size = table.unicode_object.compactunicodeobject_size;
        take_tlbc_fields(table, out);
        take_object_fields(table, out);
        out.objects.type_size = table.type_object.size;
        out.objects.tp_basicsize = table.type_object.tp_basicsize;
        out.objects.tp_dictoffset = table.type_object.tp_dictoffset;
        out.objects.heap_type_size = table.heap_type_object.size;
        out.objects.ht_cached_keys = table.heap_type_object.ht_cached_keys;
    } else {
        PYXRAY_TRY(table, read_table<mirror::DebugOffsets313>(memory, runtime));
        out.common = table;
    }
    return out;
}

Result<void> validate_later_fields(const VersionedDebugTable& table) {
    const auto& common = table.common;
    if (table.thread_base_frame && !field_fits(*table.thread_base_frame, 8, common.thread_state.size))
        return bad(fmt::format("thread_state.base_frame = {} is not inside the struct's {} bytes",
                               *table.thread_base_frame, common.thread_state.size));
    // The walker reads a frame up to localsplus and a code object up to co_code_adaptive.
    if (table.frame_tlbc_index &&
        !field_fits(*table.frame_tlbc_index, 4, common.interpreter_frame.localsplus))
        return bad(
            fmt::format("interpreter_frame.tlbc_index = {} is not inside the frame's {} bytes before "
                        "localsplus",
                        *table.frame_tlbc_index, common.interpreter_frame.localsplus));
    if (table.code_tlbc && !field_fits(*table.code_tlbc, 8, common.code_object.co_code_adaptive))
        return bad(fmt::format("code_object.co_tlbc = {} is not before co_code_adaptive ({})",
                               *table.code_tlbc, common.code_object.co_code_adaptive));
    if (table.compact_unicode_size) {
        uint64_t size = *table.compact_unicode_size;
        uint64_t ascii = common.unicode_object.asciiobject_size;
        if (size <= ascii || size > kMaxSmallStructSize)
            return bad(fmt::format("unicode_object.compactunicodeobject_size {} is outside {}..{}", size,
                                   ascii + 1, kMaxSmallStructSize));
    }
    return {};
}

void merge_later_fields(const VersionedDebugTable& table, Offsets& offsets) {
    if (table.thread_base_frame) offsets.thread_state.base_frame = *table.thread_base_frame;
    if (table.compact_unicode_size) offsets.unicode_object.compact_size = *table.compact_unicode_size;
    if (table.frame_tlbc_index) offsets.interpreter_frame.tlbc_index = *table.frame_tlbc_index;
    if (table.code_tlbc) offsets.code_object.co_tlbc = *table.code_tlbc;
    merge_later_object_debug_offsets(table.objects, offsets.objects);
}

}  // namespace pyxray
