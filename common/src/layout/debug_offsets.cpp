#include "layout/debug_offsets.hpp"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

#include "layout/debug_offsets_314.hpp"
#include "layout/debug_offsets_objects.hpp"

namespace pyxray {
namespace {

using Table = mirror::DebugOffsets313;

// Generous bounds on the structs' sizes: a table outside them is not a _Py_DebugOffsets.
// _PyRuntimeState embeds the main interpreter, so it is the big one (~300 KiB in 3.13.0).
constexpr uint64_t kMaxRuntimeSize = 16u << 20;
constexpr uint64_t kMaxInterpreterSize = 16u << 20;
constexpr uint64_t kMaxThreadStateSize = 64u << 10;
constexpr uint64_t kMaxSmallStructSize = 4u << 10;
constexpr size_t kMaxDistinctTables = 64;

Result<void> bad(std::string what) {
    return fail(
        ErrorCode::BadData,
        fmt::format("_Py_DebugOffsets at the start of _PyRuntime is not usable: {}", std::move(what)));
}

Result<void> check_size(std::string_view name, uint64_t size, uint64_t minimum, uint64_t maximum) {
    if (size < minimum || size > maximum)
        return bad(fmt::format("{}.size {} is outside {}..{}", name, size, minimum, maximum));
    return {};
}

struct Field {
    std::string_view name;
    uint64_t offset;
    uint64_t width;  // bytes pyxray reads there (1 for where an array or the next part starts)
};

// Each field pyxray reads must lie inside the struct it belongs to, all of its bytes: the
// walkers copy fields out of one read of the struct's bytes.
Result<void> check_fields(std::string_view name, uint64_t size, std::initializer_list<Field> fields) {
    for (const auto& field : fields)
        if (!field_fits(field.offset, field.width, size))
            return bad(fmt::format("{}.{} = {} ({} byte{}) is not inside the struct's {} bytes", name,
                                   field.name, field.offset, field.width, field.width == 1 ? "" : "s", size));
    return {};
}

bool version_matches(uint64_t table_version, const PythonVersion& version) {
    auto table = PythonVersion::from_hex(static_cast<uint32_t>(table_version));
    // Each minor version from 3.13 on has its own table layout (debug_offsets_314.hpp).
    if (table_version >> 32 || table.major != 3 || table.minor < 13 || table.minor != version.minor)
        return false;
    bool exact_version_known = (version.hex & 0xffff) != 0;  // Py_Version, not a library name
    if (exact_version_known) return table_version == version.hex;
    return version.major == 3;
}

Result<void> check_sizes(const Table& t) {
    PYXRAY_TRY_VOID(check_size("runtime_state", t.runtime_state.size, sizeof(Table) + 8, kMaxRuntimeSize));
    PYXRAY_TRY_VOID(check_size("interpreter_state", t.interpreter_state.size, 64, kMaxInterpreterSize));
    PYXRAY_TRY_VOID(check_size("thread_state", t.thread_state.size, 64, kMaxThreadStateSize));
    PYXRAY_TRY_VOID(check_size("interpreter_frame", t.interpreter_frame.size, 32, kMaxSmallStructSize));
    PYXRAY_TRY_VOID(check_size("code_object", t.code_object.size, 64, kMaxSmallStructSize));
    PYXRAY_TRY_VOID(check_size("pyobject", t.pyobject.size, 16, 256));
    PYXRAY_TRY_VOID(check_size("type_object", t.type_object.size, 32, kMaxSmallStructSize));
    PYXRAY_TRY_VOID(check_size("bytes_object", t.bytes_object.size, 32, kMaxSmallStructSize));
    PYXRAY_TRY_VOID(check_size("unicode_object", t.unicode_object.size, 32, kMaxSmallStructSize));
    return {};
}

Result<void> check_offsets(const Table& t) {
    PYXRAY_TRY_VOID(check_fields("runtime_state", t.runtime_state.size,
                                 {{"interpreters_head", t.runtime_state.interpreters_head, 8}}));
    PYXRAY_TRY_VOID(check_fields("interpreter_state", t.interpreter_state.size,
                                 {{"id", t.interpreter_state.id, 8},
                                  {"next", t.interpreter_state.next, 8},
                                  {"threads_head", t.interpreter_state.threads_head, 8}}));
    PYXRAY_TRY_VOID(check_fields("thread_state", t.thread_state.size,
                                 {{"next", t.thread_state.next, 8},
                                  {"interp", t.thread_state.interp, 8},
                                  {"current_frame", t.thread_state.current_frame, 8},
                                  {"thread_id", t.thread_state.thread_id, 8},
                                  {"native_thread_id", t.thread_state.native_thread_id, 8}}));
    // pyxray reads a frame's bytes up to localsplus, so every field must end before it.
    const auto& frame = t.interpreter_frame;
    PYXRAY_TRY_VOID(check_fields("interpreter_frame", frame.size, {{"localsplus", frame.localsplus, 1}}));
    PYXRAY_TRY_VOID(check_fields("interpreter_frame", frame.localsplus,
                                 {{"previous", frame.previous, 8},
                                  {"executable", frame.executable, 8},
                                  {"instr_ptr", frame.instr_ptr, 8},
                                  {"owner", frame.owner, 1}}));
    // And a code object's up to co_code_adaptive.
    const auto& code = t.code_object;
    PYXRAY_TRY_VOID(check_fields("code_object", code.size, {{"co_code_adaptive", code.co_code_adaptive, 1}}));
    PYXRAY_TRY_VOID(check_fields("code_object", code.co_code_adaptive,
                                 {{"filename", code.filename, 8},
                                  {"name", code.name, 8},
                                  {"qualname", code.qualname, 8},
                                  {"linetable", code.linetable, 8},
                                  {"firstlineno", code.firstlineno, 4}}));
    PYXRAY_TRY_VOID(check_fields("pyobject", t.pyobject.size, {{"ob_type", t.pyobject.ob_type, 8}}));
    PYXRAY_TRY_VOID(check_fields("type_object", t.type_object.size, {{"tp_name", t.type_object.tp_name, 8}}));
    PYXRAY_TRY_VOID(
        check_fields("bytes_object", t.bytes_object.size,
                     {{"ob_size", t.bytes_object.ob_size, 8}, {"ob_sval", t.bytes_object.ob_sval, 1}}));
    PYXRAY_TRY_VOID(check_fields("unicode_object", t.unicode_object.size,
                                 {{"state", t.unicode_object.state, 4},
                                  {"length", t.unicode_object.length, 8},
                                  {"asciiobject_size", t.unicode_object.asciiobject_size, 1}}));
    return {};
}

// The table leaves out _co_firsttraceable: the compiled-in one must still fit the table's code.
Result<void> check_fallback_fits(const Table& t, const Offsets& fallback) {
    if (!field_fits(fallback.code_object.firsttraceable, 4, t.code_object.co_code_adaptive))
        return bad(fmt::format("the built-in _co_firsttraceable offset {} lies past co_code_adaptive {}",
                               fallback.code_object.firsttraceable, t.code_object.co_code_adaptive));
    return {};
}

std::optional<BuildKind> kind_of_flag(uint64_t free_threaded) {
    if (free_threaded == 0) return BuildKind::Default;
    if (free_threaded == 1) return BuildKind::FreeThreaded;
    return std::nullopt;
}

std::string_view describe(BuildKind kind) {
    return kind == BuildKind::FreeThreaded ? "a free-threaded build" : "a default (GIL) build";
}

// A table from a free-threaded build read with the default layout (or the reverse) would
// misplace every object field: refuse rather than decode.
Result<void> check_build_kind(const Table& t, const PythonVersion& version, BuildKind kind) {
    auto stated = kind_of_flag(t.free_threaded);
    if (!stated) return bad(fmt::format("free_threaded = {} is neither 0 nor 1", t.free_threaded));
    if (*stated != kind)
        return fail(ErrorCode::Unsupported,
                    fmt::format("_Py_DebugOffsets says CPython {} is {} (free_threaded = {}) but the "
                                "binary is {}; refusing to guess its layout",
                                version.str(), describe(*stated), t.free_threaded, describe(kind)));
    return {};
}

// The GIL and GC fields (py-threads). The table gives the GIL's `locked` and `last_holder` as
// offsets in PyInterpreterState of the interpreter's own _gil; pyxray follows ceval.gil (which
// may point at the main interpreter's GIL), so it keeps them relative to the GIL's struct.
// `enabled` is already relative to the struct, and meaningful only in free-threaded tables. A
// table whose fields do not fit keeps the compiled-in ones.
void merge_thread_status(const Table& t, Offsets& o) {
    const auto& is = t.interpreter_state;
    uint64_t size = is.size;
    bool fits = is.gc < size && field_fits(t.gc.collecting, 1, size - is.gc) &&
                field_fits(is.imports_modules, 8, size) && field_fits(is.ceval_gil, 8, size) &&
                is.gil_runtime_state < size && field_fits(is.gil_runtime_state_locked, 4, size) &&
                field_fits(is.gil_runtime_state_holder, 8, size) &&
                is.gil_runtime_state_locked >= is.gil_runtime_state &&
                is.gil_runtime_state_holder >= is.gil_runtime_state &&
                field_fits(t.gc.collecting, 1, t.gc.size) &&
                is.gil_runtime_state_enabled < kMaxSmallStructSize;
    if (!fits) return;
    ThreadStatusOffsets s;
    s.gil = is.ceval_gil;
    s.gil_locked = is.gil_runtime_state_locked - is.gil_runtime_state;
    s.gil_last_holder = is.gil_runtime_state_holder - is.gil_runtime_state;
    if (t.free_threaded == 1) s.gil_enabled = is.gil_runtime_state_enabled;
    s.gc_collecting = is.gc + t.gc.collecting;
    s.modules = is.imports_modules;
    o.thread_status = s;
    if (o.gc_lists) o.gc_lists->state = is.gc;
}

}  // namespace

std::optional<BuildKind> build_kind_of(const Table& t, const PythonVersion& version) {
    if (std::memcmp(t.cookie, kDebugCookie, sizeof(kDebugCookie)) != 0) return std::nullopt;
    if (!version_matches(t.version, version)) return std::nullopt;
    return kind_of_flag(t.free_threaded);
}

Result<Table> read_debug_offsets_table(const Memory& memory, uint64_t runtime) {
    PYXRAY_TRY(bytes, read_bytes(memory, runtime, sizeof(Table)));
    Table table;
    std::memcpy(&table, bytes.data(), sizeof(Table));
    return table;
}

Result<void> validate_debug_offsets(const Table& t, const PythonVersion& version, BuildKind kind) {
    if (std::memcmp(t.cookie, kDebugCookie, sizeof(kDebugCookie)) != 0)
        return bad(fmt::format("the cookie is not \"xdebugpy\" (first byte {:#04x})",
                               static_cast<unsigned char>(t.cookie[0])));
    if (!version_matches(t.version, version))
        return bad(fmt::format("its version {:#x} does not match CPython {} ({:#x})", t.version,
                               version.str(), version.hex));
    PYXRAY_TRY_VOID(check_build_kind(t, version, kind));
    PYXRAY_TRY_VOID(check_sizes(t));
    return check_offsets(t);
}

Offsets merge_debug_offsets(const Table& t, const Offsets& fallback) {
    Offsets o = fallback;
    o.runtime_state.interpreters_head = t.runtime_state.interpreters_head;
    o.interpreter_state.next = t.interpreter_state.next;
    o.interpreter_state.threads_head = t.interpreter_state.threads_head;
    o.interpreter_state.id = t.interpreter_state.id;
    o.thread_state.next = t.thread_state.next;
    o.thread_state.interp = t.thread_state.interp;
    o.thread_state.thread_id = t.thread_state.thread_id;
    o.thread_state.native_thread_id = t.thread_state.native_thread_id;
    o.thread_state.cframe.reset();
    o.thread_state.current_frame = t.thread_state.current_frame;
    o.interpreter_frame.size = t.interpreter_frame.localsplus;
    o.interpreter_frame.executable = t.interpreter_frame.executable;
    o.interpreter_frame.previous = t.interpreter_frame.previous;
    o.interpreter_frame.instr_ptr = t.interpreter_frame.instr_ptr;
    o.interpreter_frame.owner = t.interpreter_frame.owner;
    o.code_object.size = t.code_object.co_code_adaptive;
    o.code_object.filename = t.code_object.filename;
    o.code_object.name = t.code_object.name;
    o.code_object.qualname = t.code_object.qualname;
    o.code_object.linetable = t.code_object.linetable;
    o.code_object.firstlineno = t.code_object.firstlineno;
    o.code_object.co_code_adaptive = t.code_object.co_code_adaptive;
    o.pyobject.ob_type = t.pyobject.ob_type;
    o.type_object.tp_name = t.type_object.tp_name;
    o.unicode_object.state = t.unicode_object.state;
    o.unicode_object.length = t.unicode_object.length;
    o.unicode_object.ascii_size = t.unicode_object.asciiobject_size;
    o.bytes_object.ob_size = t.bytes_object.ob_size;
    o.bytes_object.ob_sval = t.bytes_object.ob_sval;
    o.frame_variables.localsplus = t.interpreter_frame.localsplus;
    o.frame_variables.code_local_names = t.code_object.localsplusnames;
    o.frame_variables.code_local_kinds = t.code_object.localspluskinds;
    merge_thread_status(t, o);
    merge_object_debug_offsets(t, o.objects);
    return o;
}

Result<const Offsets*> read_debug_offsets(const Memory& memory, uint64_t runtime,
                                          const PythonVersion& version, const Offsets& fallback,
                                          BuildKind kind) {
    PYXRAY_TRY(versioned, read_versioned_debug_table(memory, runtime, version));
    const Table& table = versioned.common;
    PYXRAY_TRY_VOID(validate_debug_offsets(table, version, kind));
    PYXRAY_TRY_VOID(validate_later_fields(versioned));
    PYXRAY_TRY_VOID(check_fallback_fits(table, fallback));

    // Sessions keep a plain pointer to their table, so tables read from targets are kept for
    // the life of the process, one per distinct table.
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<const Offsets>> tables;
    std::string key(reinterpret_cast<const char*>(&table), sizeof(table));
    const Offsets* fallback_address = &fallback;
    // The fallback table's address, not what it points at: tables are cached per table object.
    key.append(reinterpret_cast<const char*>(&fallback_address),
               sizeof(fallback_address));  // NOLINT(bugprone-sizeof-expression)
    key += fmt::format("/{}/{}/{}/{}", versioned.thread_base_frame.value_or(0),
                       versioned.compact_unicode_size.value_or(0), versioned.frame_tlbc_index.value_or(0),
                       versioned.code_tlbc.value_or(0));
    const auto& objects = versioned.objects;  // 3.14+/3.15+ object fields (debug_offsets_objects.hpp)
    if (objects.set_object)
        key += fmt::format("/set {} {} {} {}", objects.set_object->size, objects.set_object->used,
                           objects.set_object->table, objects.set_object->mask);
    key += fmt::format("/types {} {} {} {} {}", objects.type_size.value_or(0),
                       objects.tp_basicsize.value_or(0), objects.tp_dictoffset.value_or(0),
                       objects.heap_type_size.value_or(0), objects.ht_cached_keys.value_or(0));
    std::lock_guard lock(mutex);
    auto found = tables.find(key);
    if (found != tables.end()) return found->second.get();
    if (tables.size() >= kMaxDistinctTables)
        return fail(ErrorCode::Unsupported,
                    fmt::format("already holding {} distinct _Py_DebugOffsets tables", kMaxDistinctTables));
    Offsets offsets = merge_debug_offsets(table, fallback);
    merge_later_fields(versioned, offsets);
    auto merged = std::make_unique<const Offsets>(offsets);
    return tables.emplace(std::move(key), std::move(merged)).first->second.get();
}

}  // namespace pyxray
