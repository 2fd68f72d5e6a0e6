#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pyxray/render.hpp"

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
        if (py.locals) out["locals"] = locals_json(*py.locals);
        if (py.locals_error) out["locals_error"] = *py.locals_error;
        return out;
    }
    const NativeFrame& native = frame.native;
    return Json{{"kind", "native"},
                {"function", native.function},
                {"module", native.module},
                {"pc", fmt::format("{:#x}", native.pc)}};
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

Json thread_json(const ThreadStack& thread) {
    Json out{{"tid", thread.tid}, {"python", thread.python}, {"merged", thread.merged}};
    if (thread.state) {
        out["interpreter_id"] = thread.state->interpreter_id;
        out["tstate"] = fmt::format("{:#x}", thread.state->tstate);
    }
    add_thread_status(out, thread);
    out["notes"] = thread.notes;
    out["frames"] = frames_json(thread.frames);
    if (!thread.unmerged_native.empty()) out["native_frames"] = frames_json(thread.unmerged_native);
    return out;
}

}  // namespace

std::string render_xbt_json(const Snapshot& snapshot) {
    Json threads = Json::array();
    for (const auto& thread : snapshot.threads) threads.push_back(thread_json(thread));
    Json document{
        {"pyxray", 1},
        {"target",
         {{"kind", snapshot.target.kind == TargetKind::Core ? "core" : "live"},
          {"pid", snapshot.target.pid},
          {"python_version", snapshot.runtime.version},
          {"free_threaded", snapshot.runtime.free_threaded},
          {"executable", snapshot.target.executable}}},
        {"threads", std::move(threads)},
    };
    // Target strings are not guaranteed UTF-8: replace what is not, never throw.
    return document.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pyxray
