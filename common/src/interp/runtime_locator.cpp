#include "interp/runtime_locator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "interp/build_kind.hpp"
#include "interp/legacy_version.hpp"
#include "interp/runtime_scan.hpp"
#include "interp/version_text.hpp"
#include "layout/debug_offsets.hpp"
#include "pyxray/path_names.hpp"

namespace pyxray {
namespace {

constexpr size_t kMaxModulesSearched = 512;
// Py_GetVersion: every CPython has it, 2.7 and 3.6 (which have no _PyRuntime) too.
constexpr std::array<std::string_view, 5> kRuntimeSymbols = {
    "_PyRuntime", "Py_Version", "_Py_NegativeRefcount", kFreeThreadedSymbol, "Py_GetVersion"};

bool looks_like_python(const ModuleInfo& module) {
    return path_basename(module.path).find("python") != std::string::npos;
}

// Python's own modules first: the runtime is almost always in the executable or libpython.
std::vector<ModuleInfo> search_order(std::vector<ModuleInfo> modules) {
    std::stable_partition(modules.begin(), modules.end(), looks_like_python);
    if (modules.size() > kMaxModulesSearched) modules.resize(kMaxModulesSearched);
    return modules;
}

// Before 3.11 there is no Py_Version: fall back to the "python3.X" (or "python2.X") in the
// module's name.
std::optional<PythonVersion> version_from_name(const std::string& path) {
    std::string name(path_basename(path));
    for (size_t at = name.find("python"); at != std::string::npos; at = name.find("python", at + 1)) {
        size_t major = at + 6;
        if (major + 2 > name.size() || (name[major] != '2' && name[major] != '3') || name[major + 1] != '.')
            continue;
        size_t digits = major + 2, end = digits;
        while (end < name.size() && end - digits < 3 && std::isdigit(static_cast<unsigned char>(name[end])))
            ++end;
        if (end == digits) continue;
        uint32_t minor = std::stoul(name.substr(digits, end - digits));
        return PythonVersion::from_hex((static_cast<uint32_t>(name[major] - '0') << 24) | (minor << 16));
    }
    return std::nullopt;
}

// A CPython older than pyxray reads (2.7, 3.6: no _PyRuntime yet), known by its module's name
// and Py_GetVersion; its error, or nothing.
std::optional<Error> too_old_python(const ModuleSymbols& symbols, const ModuleInfo& module) {
    if (!symbols.symbol("Py_GetVersion")) return std::nullopt;
    auto version = version_from_name(module.path);
    if (!version || !predates_supported_versions(*version)) return std::nullopt;
    return too_old_version_error(*version);
}

// Most trusted first: Py_Version (3.11+, exported, so stripping keeps it), the version in the
// 3.13+ _Py_DebugOffsets, the module's name with the micro version the target holds, and last
// the text Py_GetVersion() left in the module's .bss (a stripped or renamed libpython < 3.11).
Result<PythonVersion> read_version(const Target& target, const ModuleSymbols& symbols,
                                   const ModuleInfo& module, uint64_t runtime) {
    if (auto symbol = symbols.symbol("Py_Version")) {
        auto hex = read_value<uint32_t>(target.memory(), *symbol);
        if (hex && ((*hex >> 24) & 0xff) == 3) return PythonVersion::from_hex(*hex);
    }
    if (auto version = debug_offsets_version(target.memory(), runtime)) return *version;
    auto named = version_from_name(module.path);
    if (named) {
        PythonVersion version = with_micro_version(target, module, *named);
        if (version.micro >= 0) return version;
        return version_from_buffer_scan(target.memory(), symbols, named->minor).value_or(version);
    }
    if (auto version = version_from_buffer_scan(target.memory(), symbols, std::nullopt)) return *version;
    return fail(
        ErrorCode::Unsupported,
        fmt::format("found _PyRuntime in {} but no Py_Version symbol, no _Py_DebugOffsets, no version "
                    "in its name and no Py_GetVersion() text in its .bss",
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
        located.from_target_table = true;
        located.layout_note = "layout from the target's _Py_DebugOffsets";
        return {};
    }
    if (table.error().code == ErrorCode::Unsupported) return pyxray::unexpected(table.error());
    located.layout_note = fmt::format("using pyxray's built-in {}.{} layout: {}", version.major,
                                      version.minor, table.error().message);
    return {};
}

// `runtime` is a run-time address: the _PyRuntime symbol's or the .PyRuntime section's.
Result<LocatedRuntime> runtime_in_module(const Target& target, const ModuleSymbols& symbols,
                                         const ModuleInfo& module, uint64_t runtime, std::string found_by) {
    PYXRAY_TRY(version, read_version(target, symbols, module, runtime));
    PYXRAY_TRY(kind, detect_build_kind(target.memory(), runtime, version,
                                       build_kind_from_binary(&symbols, module.path)));
    PYXRAY_TRY(offsets, offsets_for(version, kind));
    LocatedRuntime located;
    located.offsets = offsets;
    located.info.runtime_address = runtime;
    located.info.version = version.str();
    located.info.version_hex = version.hex;
    located.info.library = module.path;
    located.info.debug_build = symbols.symbol("_Py_NegativeRefcount").has_value();
    located.info.free_threaded = kind == BuildKind::FreeThreaded;
    located.found_by = std::move(found_by);
    if (has_debug_offsets(version))
        PYXRAY_TRY_VOID(prefer_target_table(target.memory(), version, kind, located));
    return located;
}

// A cookie proves nothing alone: the table behind it must be accepted (not merely replaced by
// the built-in layout) and the runtime must lead to an interpreter.
Result<LocatedRuntime> runtime_at_cookie(const Target& target, uint64_t runtime, std::string region) {
    PYXRAY_TRY(version, debug_offsets_version(target.memory(), runtime));
    PYXRAY_TRY(kind, detect_build_kind(target.memory(), runtime, version, std::nullopt));
    PYXRAY_TRY(offsets, offsets_for(version, kind));
    LocatedRuntime located;
    located.offsets = offsets;
    located.info.runtime_address = runtime;
    located.info.version = version.str();
    located.info.version_hex = version.hex;
    located.info.library = std::move(region);
    located.info.free_threaded = kind == BuildKind::FreeThreaded;
    located.found_by = "a scan of writable memory for _Py_DebugOffsets' cookie";
    PYXRAY_TRY_VOID(prefer_target_table(target.memory(), version, kind, located));
    if (!located.from_target_table) return fail(ErrorCode::BadData, located.layout_note, runtime);
    PYXRAY_TRY_VOID(check_interpreters_head(target.memory(), runtime, *located.offsets));
    return located;
}

// The last resort, for 3.13+ binaries without symbols or whose files are gone. On failure the
// error says what the scan covered; a runtime of a version or build pyxray cannot decode is
// reported as such rather than as no runtime at all.
Result<LocatedRuntime> runtime_from_cookie_scan(const Target& target) {
    auto regions = target.memory_regions();
    if (!regions)
        return fail(ErrorCode::NotPython,
                    fmt::format("no scan for _Py_DebugOffsets' cookie: {}", regions.error().message));
    std::optional<LocatedRuntime> found;
    std::optional<Error> unsupported;
    std::string last_refusal;
    CookieScanReport report;
    auto accept = [&](uint64_t address) {
        const MemoryRegion* region = region_holding(*regions, address);
        auto located = runtime_at_cookie(target, address, region ? region->path : std::string());
        if (located)
            found = std::move(*located);
        else if (located.error().code == ErrorCode::Unsupported && !unsupported)
            unsupported = located.error();
        else
            last_refusal = fmt::format(" (the last at {:#x}: {})", address, located.error().message);
        return found.has_value();
    };
    scan_for_debug_cookie(target.memory(), *regions, CookieScanLimits{}, accept, report);
    if (found) return std::move(*found);
    if (unsupported) return pyxray::unexpected(*unsupported);
    return fail(ErrorCode::NotPython,
                fmt::format("no valid _Py_DebugOffsets among {}{}", report.summary(), last_refusal));
}

// A core names the files of the machine, or the container, its process ran in.
std::string why_unopened(TargetKind kind, const std::string& names) {
    if (kind == TargetKind::Live) return fmt::format(" (not on disk, or of another build: {})", names);
    return fmt::format(
        " (not on disk, or of another build: {}; the core may come from another machine or from a process "
        "in a container, whose files are the container's: point --sysroot at a copy of its root "
        "filesystem (the container's root, or its image exported with `docker export`) or --lib-path "
        "at copies)",
        names);
}

}  // namespace

// In each module (Python's first): the _PyRuntime symbol, else the .PyRuntime section CPython
// puts it in (3.10+); then, in no module, a scan of writable memory for the cookie (3.13+).
Result<LocatedRuntime> locate_runtime(const Target& target) {
    PYXRAY_TRY(modules, target.modules());
    std::vector<std::string> searched, missing;
    for (const auto& module : search_order(std::move(modules))) {
        auto symbols = target.module_symbols(module, kRuntimeSymbols);
        const std::string& file = module.file_to_read();
        std::error_code error;
        if (!symbols && (file.empty() || !std::filesystem::exists(file, error)))
            missing.emplace_back(path_basename(module.path));
        if (!symbols) continue;
        searched.emplace_back(path_basename(module.path));
        if (auto runtime = (*symbols)->symbol("_PyRuntime"))
            return runtime_in_module(target, **symbols, module, *runtime,
                                     fmt::format("the _PyRuntime symbol of {}", module.path));
        if (auto section = (*symbols)->section(".PyRuntime"))
            return runtime_in_module(target, **symbols, module, section->address,
                                     fmt::format("the .PyRuntime section of {}", module.path));
        if (auto old = too_old_python(**symbols, module)) return pyxray::unexpected(*old);
    }
    auto scanned = runtime_from_cookie_scan(target);
    if (scanned || scanned.error().code != ErrorCode::NotPython) return scanned;
    std::string unopened = missing.empty() ? "" : why_unopened(target.info().kind, list_names(missing));
    if (searched.empty() && missing.empty() && target.info().kind == TargetKind::Core)
        unopened = " (the core lists no mapped files: is it truncated or damaged?)";
    return fail(
        ErrorCode::NotPython,
        fmt::format("no CPython runtime in {}: no _PyRuntime symbol and no .PyRuntime section in {}{}; "
                    "{}; is this a Python process?",
                    describe_target(target.info()), list_names(searched), unopened, scanned.error().message));
}

}  // namespace pyxray
