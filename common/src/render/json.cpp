#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pyxray/heap.hpp"
#include "pyxray/render.hpp"
#include "pyxray/tasks.hpp"

namespace pyxray {
namespace {

using Json = nlohmann::ordered_json;

Json locals_json(const std::vector<Variable>& locals) {
    Json out = Json::object();
    for (const auto& variable : locals) out[variable.name] = variable.repr;
    return out;
}

Json frame_json(const StackFrame& frame) {
    if (frame.kind == StackFrame::Kind::Python) {
        const PyFrame& py = frame.python;
        Json out{{"kind", "python"},
                 {"function", py.function},
                 {"qualname", py.qualname},
                 {"file", py.file},
                 {"line", py.line},
                 {"interpreter_id", py.interpreter_id},
                 {"frame_address", fmt::format("{:#x}", py.frame_address)},
                 {"code_address", fmt::format("{:#x}", py.code_address)}};
        out["task"] = py.task
                          ? Json{{"name", py.task->name}, {"address", fmt::format("{:#x}", py.task->address)}}
                          : Json(nullptr);
        if (py.locals) out["locals"] = locals_json(*py.locals);
        if (py.locals_error) out["locals_error"] = *py.locals_error;
        return out;
    }
    const NativeFrame& native = frame.native;
    return Json{
        {"kind", "native"},
        {"function", native.function},
        {"linkage_name", native.linkage_name.empty() ? Json(nullptr) : Json(native.linkage_name)},
        {"module", native.module},
        {"pc", fmt::format("{:#x}", native.pc)},
        {"offset", native.module_offset ? Json(fmt::format("{:#x}", *native.module_offset)) : Json(nullptr)}};
}

// path, build_id (null when the core kept none), status, and the file used (null when none).
Json modules_json(const std::vector<ModuleInfo>& modules) {
    Json list = Json::array();
    for (const ModuleInfo& module : modules) {
        Json out{{"path", module.path},
                 {"base", fmt::format("{:#x}", module.base)},
                 {"build_id", module.build_id.empty() ? Json(nullptr) : Json(module.build_id)},
                 {"status", module_status_name(module.status)},
                 {"file", module.file.empty() ? Json(nullptr) : Json(module.file)}};
        if (!module.looked_for.empty()) out["looked_for"] = module.looked_for;
        if (module.status == ModuleFileStatus::Mismatch) out["found_build_id"] = module.other_build_id;
        if (!module.fetch_error.empty()) out["fetch_error"] = module.fetch_error;
        list.push_back(std::move(out));
    }
    return list;
}

Json frames_json(const std::vector<StackFrame>& frames) {
    Json list = Json::array();
    for (const auto& frame : frames) list.push_back(frame_json(frame));
    return list;
}

const char* name_source(NameSource source) {
    switch (source) {
        case NameSource::Threading:
            return "threading";
        case NameSource::Os:
            return "os";
        case NameSource::None:
            break;
    }
    return nullptr;
}

template <class T>
Json optional_json(const std::optional<T>& value) {
    return value ? Json(*value) : Json(nullptr);
}

// name (threading's, else the OS's, else null) and where it came from; holds_gil (null when
// unknown or there is no GIL, with holds_gil_reason); gc_collecting; state (activity_name).
void add_thread_status(Json& out, const ThreadStack& thread) {
    out["name"] = optional_json(thread.name);
    const char* source = name_source(thread.name_source);
    out["name_source"] = source ? Json(source) : Json(nullptr);
    out["holds_gil"] = optional_json(thread.holds_gil);
    if (!thread.holds_gil) out["holds_gil_reason"] = thread.gil_note;
    out["gc_collecting"] = optional_json(thread.gc_collecting);
    out["state"] = activity_name(thread.activity);
}

// null, or the exception the thread is raising ("state": "raising") or handling ("handling").
Json exception_json(const std::optional<ThreadException>& exception) {
    if (!exception) return nullptr;
    const char* state = exception->state == ThreadException::State::Raising ? "raising" : "handling";
    return Json{{"type", exception->type}, {"message", exception->message}, {"state", state}};
}

// null for a live process and a core of one that did not die of a signal.
Json crash_json(const std::optional<Crash>& crash) {
    if (!crash) return nullptr;
    return Json{{"signal", crash->signal},
                {"signo", crash->signo},
                {"code", optional_json(crash->code)},
                {"code_name", crash->code ? Json(crash->code_name) : Json(nullptr)},
                {"address", crash->address ? Json(fmt::format("{:#x}", *crash->address)) : Json(nullptr)},
                {"tid", crash->tid}};
}

// null, or the executable the user named that was not read, and why.
Json ignored_json(const std::optional<IgnoredFile>& ignored) {
    if (!ignored) return nullptr;
    return Json{{"path", ignored->path}, {"reason", ignored->reason}};
}

std::string address_text(uint64_t address) { return fmt::format("{:#x}", address); }

// null for a running thread (or when not asked for); see ThreadWait.
Json waiting_json(const std::optional<ThreadWait>& wait) {
    if (!wait) return nullptr;
    Json out{{"kind", wait->kind},
             {"object", wait->object ? Json(address_text(wait->object)) : Json(nullptr)},
             {"repr", wait->repr.empty() ? Json(nullptr) : Json(wait->repr)},
             {"held_by", wait->held_by},
             {"probably", wait->probably},
             {"how", wait->how.empty() ? Json(nullptr) : Json(wait->how)},
             {"held_how", wait->held_how.empty() ? Json(nullptr) : Json(wait->held_how)},
             {"held_probably", wait->held_probably}};
    if (wait->count) out["count"] = *wait->count;
    if (wait->value) out["value"] = *wait->value;
    out["frame"] = optional_json(wait->frame);  // an index into the thread's "frames"
    if (wait->queue) {
        const char* state = queue_state(*wait->queue);
        out["queue"] = Json{{"call", wait->queue->call},
                            {"state", state ? Json(state) : Json(nullptr)},
                            {"size", optional_json(wait->queue->size)},
                            {"maxsize", optional_json(wait->queue->maxsize)}};
    }
    if (wait->barrier)
        out["barrier"] = Json{{"parties", optional_json(wait->barrier->parties)},
                              {"waiting", optional_json(wait->barrier->waiting)}};
    return out;
}

Json deadlocks_json(const Snapshot& snapshot) {
    Json out = Json::array();
    for (const auto& deadlock : snapshot.deadlocks) {
        Json objects = Json::array();
        for (uint64_t object : deadlock.objects) objects.push_back(address_text(object));
        out.push_back(Json{{"threads", deadlock.threads},
                           {"objects", std::move(objects)},
                           {"text", render_deadlock_line(snapshot, deadlock)}});
    }
    return out;
}

Json thread_json(const ThreadStack& thread) {
    Json out{{"tid", thread.tid}, {"python", thread.python}, {"merged", thread.merged}};
    if (thread.state) {
        out["interpreter_id"] = thread.state->interpreter_id;
        out["tstate"] = fmt::format("{:#x}", thread.state->tstate);
    }
    add_thread_status(out, thread);
    out["crashed"] = thread.crashed;
    out["exception"] = exception_json(thread.exception);
    out["waiting"] = waiting_json(thread.waiting);
    out["notes"] = thread.notes;
    out["frames"] = frames_json(thread.frames);
    if (!thread.unmerged_native.empty()) out["native_frames"] = frames_json(thread.unmerged_native);
    return out;
}

Json truncation_json(const std::optional<CoreTruncation>& cut) {
    if (!cut) return nullptr;
    return Json{{"file_size", cut->file_size},
                {"needed_size", cut->needed_size},
                {"segment_bytes", cut->promised_bytes},
                {"missing_bytes", cut->missing_bytes},
                {"segments", cut->segments},
                {"incomplete_segments", cut->incomplete_segments},
                {"message", describe_truncation(*cut)}};
}

Json target_json(const TargetInfo& target, const RuntimeInfo& runtime, bool has_runtime) {
    return Json{{"kind", target.kind == TargetKind::Core ? "core" : "live"},
                {"pid", target.pid},
                {"python_version", has_runtime ? Json(runtime.version) : Json(nullptr)},
                {"free_threaded", runtime.free_threaded},
                {"executable", target.executable},
                {"ignored_executable", ignored_json(target.ignored_executable)},
                {"command_line", target.command_line.empty() ? Json(nullptr) : Json(target.command_line)},
                {"truncated", truncation_json(target.truncation)}};
}

Json addresses_json(const std::vector<uint64_t>& addresses) {
    Json out = Json::array();
    for (uint64_t address : addresses) out.push_back(address_text(address));
    return out;
}

// An ordered object is a vector of (key, value) that copies its values each time it grows, and
// a braced initializer list copies every value it holds: built field by field into reserved
// room, a document of 100,000 tasks no longer spends most of its time copying.
Json reserved_object(size_t fields) {
    Json object = Json::object();
    object.get_ref<Json::object_t&>().reserve(fields);
    return object;
}

Json task_json(const AsyncTask& task) {
    Json coroutine = Json::array();
    for (const PyFrame& frame : task.coroutine) {
        Json entry = reserved_object(4);
        entry["function"] = frame.function;
        entry["qualname"] = frame.qualname;
        entry["file"] = frame.file;
        entry["line"] = frame.line;
        coroutine.push_back(std::move(entry));
    }
    Json out = reserved_object(14);
    out["address"] = address_text(task.address);
    out["name"] = task.name;
    out["type"] = task.type;
    out["state"] = task.state;
    out["thread"] = optional_json(task.thread);
    out["thread_name"] = optional_json(task.thread_name);
    out["current"] = task.current;
    out["interpreter_id"] = task.interpreter_id;
    out["coroutine"] = std::move(coroutine);
    out["waiter"] = task.waiter ? Json(address_text(task.waiter)) : Json(nullptr);
    out["awaits"] = task.awaits.empty() ? Json(nullptr) : Json(task.awaits);
    out["awaiting"] = addresses_json(task.awaiting);
    out["awaited_by"] = addresses_json(task.awaited_by);
    out["notes"] = task.notes;
    return out;
}

Json heap_json(const HeapReport& report) {
    Json types = Json::array();
    for (const HeapType& type : report.types) {
        Json entry = reserved_object(7);
        entry["module"] = type.module;
        entry["qualname"] = type.qualname;
        entry["count"] = type.count;
        entry["bytes"] = type.bytes;
        Json shares = Json::array();
        for (const HeapTypeShare& share : type.interpreters)
            shares.push_back(
                Json{{"id", share.interpreter_id}, {"count", share.count}, {"bytes", share.bytes}});
        entry["interpreters"] = std::move(shares);
        if (report.deep) {
            entry["untracked_count"] = type.untracked_count;
            entry["untracked_bytes"] = type.untracked_bytes;
        }
        types.push_back(std::move(entry));
    }
    Json containers = Json::array();
    for (const HeapContainer& container : report.containers)
        containers.push_back(Json{{"address", address_text(container.address)},
                                  {"type", container.type},
                                  {"length", container.length},
                                  {"bytes", container.bytes},
                                  {"interpreter_id", container.interpreter_id},
                                  {"referrers", container.referrers}});
    Json interpreters = Json::array();
    for (const HeapInterpreter& interpreter : report.interpreters) {
        Json lists = Json::array();
        for (const HeapListCount& list : interpreter.lists)
            lists.push_back(Json{{"name", list.name}, {"count", list.count}});
        interpreters.push_back(Json{{"id", interpreter.id},
                                    {"count", interpreter.count},
                                    {"bytes", interpreter.bytes},
                                    {"source", interpreter.source},
                                    {"lists", std::move(lists)}});
    }
    Json heap = reserved_object(8);
    heap["types"] = std::move(types);
    heap["total"] = Json{{"count", report.total_count}, {"bytes", report.total_bytes}};
    heap["containers"] = std::move(containers);
    heap["interpreters"] = std::move(interpreters);
    heap["deep"] =
        report.deep ? Json{{"visited", report.deep_visited}, {"capped", report.deep_capped}} : Json(nullptr);
    if (report.memory) {
        Json free_lists = Json::array();
        for (const FreeListCount& list : report.memory->free_lists)
            free_lists.push_back(Json{{"name", list.name}, {"count", list.count}});
        heap["memory"] = Json{{"arenas_in_use", optional_json(report.memory->arenas_in_use)},
                              {"arena_bytes", optional_json(report.memory->arena_size)},
                              {"free_lists", std::move(free_lists)},
                              {"interned_strings", optional_json(report.memory->interned_strings)},
                              {"notes", report.memory->notes}};
    } else {
        heap["memory"] = nullptr;
    }
    heap["notes"] = report.notes;
    return heap;
}

}  // namespace

std::string render_heap_json(const HeapReport& report) {
    Json document = reserved_object(3);
    document["pyxray"] = 1;
    document["target"] = target_json(report.target, report.runtime, true);
    document["heap"] = heap_json(report);
    return document.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_tasks_json(const TasksReport& report) {
    Json document = reserved_object(5);
    document["pyxray"] = 1;
    document["target"] = target_json(report.target, report.runtime, true);
    Json& tasks = document["tasks"] = Json::array();
    for (const auto& task : report.tasks) tasks.push_back(task_json(task));
    Json& cycles = document["cycles"] = Json::array();
    for (const auto& cycle : report.cycles) cycles.push_back(addresses_json(cycle));
    document["notes"] = report.notes;
    return document.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_xbt_json(const Snapshot& snapshot) {
    Json threads = Json::array();
    for (const auto& thread : snapshot.threads) threads.push_back(thread_json(thread));
    Json document{
        {"pyxray", 1},
        {"target", target_json(snapshot.target, snapshot.runtime, !snapshot.no_runtime)},
        {"crash", crash_json(snapshot.crash)},
        {"threads", std::move(threads)},
        {"deadlocks", deadlocks_json(snapshot)},
        {"modules", modules_json(snapshot.modules)},
        {"no_runtime", snapshot.no_runtime ? Json(*snapshot.no_runtime) : Json(nullptr)},
        {"notes", snapshot.notes},
    };
    // Target strings are not guaranteed UTF-8: replace what is not, never throw.
    return document.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pyxray
