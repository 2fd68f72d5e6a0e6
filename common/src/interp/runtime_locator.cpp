#include "interp/runtime_locator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "interp/build_kind.hpp"
#include "interp/legacy_version.hpp"
#include "layout/debug_offsets.hpp"
#include "symbols/elf_symbols.hpp"

namespace pyxray {
namespace {

constexpr size_t kMaxModulesSearched = 512;
constexpr std::array<std::string_view, 4> kRuntimeSymbols = {"_PyRuntime", "Py_Version",
                                                             "_Py_NegativeRefcount", kFreeThreadedSymbol};

std::string basename_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool looks_like_python(const ModuleInfo& module) {
    return basename_of(module.path).find("python") != std::string::npos;
}

// Python's own modules first: the runtime is almost always in the executable or libpython.
std::vector<ModuleInfo> search_order(std::vector<ModuleInfo> modules) {
    std::stable_partition(modules.begin(), modules.end(), looks_like_python);
    if (modules.size() > kMaxModulesSearched) modules.resize(kMaxModulesSearched);
    return modules;
}

// Before 3.11 there is no Py_Version: fall back to the "python3.X" in the module's name.
std::optional<PythonVersion> version_from_name(const std::string& path) {
    std::string name = basename_of(path);
    for (size_t at = name.find("python3."); at != std::string::npos; at = name.find("python3.", at + 1)) {
        size_t digits = at + 8, end = digits;
        while (end < name.size() && end - digits < 3 && std::isdigit(static_cast<unsigned char>(name[end])))
            ++end;
        if (end == digits) continue;
        uint32_t minor = std::stoul(name.substr(digits, end - digits));
        return PythonVersion::from_hex((3u << 24) | (minor << 16));
    }
    return std::nullopt;
}

Result<PythonVersion> read_version(const Target& target, const ElfSymbols& symbols,
                                   const ModuleInfo& module) {
    if (auto symbol = symbols.find("Py_Version")) {
        auto hex = read_value<uint32_t>(target.memory(), symbols.runtime_address(*symbol, module.base));
        if (hex && ((*hex >> 24) & 0xff) == 3) return PythonVersion::from_hex(*hex);
    }
    if (auto version = version_from_name(module.path)) return with_micro_version(target, module, *version);
    return fail(ErrorCode::Unsupported,
                fmt::format("found _PyRuntime in {} but no Py_Version symbol and no version in its name",
                            module.path));
}

std::string describe_target(const TargetInfo& info) {
    return info.kind == TargetKind::Core ? fmt::format("core of process {}", info.pid)
                                         : fmt::format("process {}", info.pid);
}

std::string list_names(const std::vector<std::string>& names) {
    std::string text;
    for (size_t i = 0; i < names.size() && i < 4; ++i) text += (i ? ", " : "") + names[i];
    if (names.size() > 4) text += fmt::format(" and {} more", names.size() - 4);
    return text.empty() ? "no modules" : text;
}

// 3.13+ starts _PyRuntime with its own offsets table (_Py_DebugOffsets): prefer it to ours.
bool has_debug_offsets(const PythonVersion& version) { return version.major == 3 && version.minor >= 13; }

// A table that is damaged falls back to the built-in layout; one that says the build is
// something other than the binary says (free-threaded or not) stops here rather than misread it.
Result<void> prefer_target_table(const Memory& memory, const PythonVersion& version, BuildKind kind,
                                 LocatedRuntime& located) {
    auto table = read_debug_offsets(memory, located.info.runtime_address, version, *located.offsets, kind);
    if (table) {
        located.offsets = *table;
        located.layout_note = "layout from the target's _Py_DebugOffsets";
        return {};
    }
    if (table.error().code == ErrorCode::Unsupported) return std::unexpected(table.error());
    located.layout_note = fmt::format("using pyxray's built-in {}.{} layout: {}", version.major,
                                      version.minor, table.error().message);
    return {};
}

Result<LocatedRuntime> runtime_in_module(const Target& target, const ElfSymbols& symbols,
                                         const ModuleInfo& module, uint64_t runtime_symbol) {
    PYXRAY_TRY(version, read_version(target, symbols, module));
    uint64_t runtime = symbols.runtime_address(runtime_symbol, module.base);
    PYXRAY_TRY(kind, detect_build_kind(target.memory(), runtime, version,
                                       build_kind_from_binary(&symbols, module.path)));
    PYXRAY_TRY(offsets, offsets_for(version, kind));
    LocatedRuntime located;
    located.offsets = offsets;
    located.info.runtime_address = runtime;
    located.info.version = version.str();
    located.info.version_hex = version.hex;
    located.info.library = module.path;
    located.info.debug_build = symbols.find("_Py_NegativeRefcount").has_value();
    located.info.free_threaded = kind == BuildKind::FreeThreaded;
    if (has_debug_offsets(version))
        PYXRAY_TRY_VOID(prefer_target_table(target.memory(), version, kind, located));
    return located;
}

}  // namespace

Result<LocatedRuntime> locate_runtime(const Target& target) {
    PYXRAY_TRY(modules, target.modules());
    std::vector<std::string> searched;
    for (const auto& module : search_order(std::move(modules))) {
        auto symbols = ElfSymbols::open(module.path, kRuntimeSymbols);
        if (!symbols) continue;
        searched.push_back(basename_of(module.path));
        if (auto runtime = symbols->find("_PyRuntime"))
            return runtime_in_module(target, *symbols, module, *runtime);
    }
    return fail(ErrorCode::NotPython,
                fmt::format("no CPython runtime in {}: no _PyRuntime symbol in {}; is this a Python "
                            "process?",
                            describe_target(target.info()), list_names(searched)));
}

}  // namespace pyxray
