#include "interp/build_kind.hpp"

#include <fmt/format.h>

#include <cctype>

#include "layout/debug_offsets.hpp"
#include "pyxray/path_names.hpp"

namespace pyxray {
namespace {

// "python3.13t" and "libpython3.13t.so" (also the debug "python3.13td"): the ABI flag `t`
// right after the version, as PEP 703 names free-threaded builds' files.
bool name_says_free_threaded(const std::string& name) {
    for (size_t at = name.find("python3."); at != std::string::npos; at = name.find("python3.", at + 1)) {
        size_t end = at + 8;
        while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
        if (end > at + 8 && end < name.size() && name[end] == 't') return true;
    }
    return false;
}

std::string_view describe(BuildKind kind) {
    return kind == BuildKind::FreeThreaded ? "free-threaded" : "a default (GIL) build";
}

}  // namespace

std::optional<BinaryBuildKind> build_kind_from_binary(const ModuleSymbols* symbols, const std::string& path) {
    std::string name(path_basename(path));
    if (symbols && symbols->symbol(kFreeThreadedSymbol))
        return BinaryBuildKind{BuildKind::FreeThreaded,
                               fmt::format("{} defines {}", name, kFreeThreadedSymbol)};
    if (symbols)
        return BinaryBuildKind{BuildKind::Default,
                               fmt::format("{} does not define {}, which every free-threaded build exports",
                                           name, kFreeThreadedSymbol)};
    if (name_says_free_threaded(name))
        return BinaryBuildKind{BuildKind::FreeThreaded,
                               fmt::format("{} is named as a free-threaded build", name)};
    return std::nullopt;
}

Result<BuildKind> detect_build_kind(const Memory& memory, uint64_t runtime, const PythonVersion& version,
                                    const std::optional<BinaryBuildKind>& from_binary) {
    std::optional<BuildKind> stated;
    if (version.major == 3 && version.minor >= 13)
        if (auto table = read_debug_offsets_table(memory, runtime)) stated = build_kind_of(*table, version);
    if (stated && from_binary && *stated != from_binary->kind)
        return fail(
            ErrorCode::Unsupported,
            fmt::format("_Py_DebugOffsets says CPython {} is {}, but {}; refusing to guess its layout",
                        version.str(), describe(*stated), from_binary->why),
            runtime);
    if (stated) return *stated;
    if (from_binary) return from_binary->kind;
    return BuildKind::Default;
}

}  // namespace pyxray
