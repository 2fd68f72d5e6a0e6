// Which file on this machine stands in for each module a core recorded: the recorded path, or
// a copy under --sysroot or in a --lib-path directory, accepted only with the core's build-id;
// and for each module of a live process in a container, its file through the process's root.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "memory/process_namespaces.hpp"
#include "pyxray/core_file.hpp"
#include "pyxray/path_names.hpp"
#include "pyxray/process.hpp"
#include "symbols/build_id.hpp"

namespace pyxray {
namespace {

std::string joined(const std::string& directory, const std::string& rest) {
    if (directory.empty()) return rest;
    std::string out = directory;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out + (rest.starts_with('/') ? "" : "/") + rest;
}

void add_once(std::vector<std::string>& paths, std::string path) {
    if (!path.empty() && std::find(paths.begin(), paths.end(), path) == paths.end())
        paths.push_back(std::move(path));
}

bool is_regular_file(const std::string& path) {
    std::error_code error;
    return std::filesystem::is_regular_file(path, error);
}

std::optional<uint64_t> inode_of(const std::string& path) {
    struct stat status {};
    if (stat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
    return static_cast<uint64_t>(status.st_ino);
}

void accept_file(ModuleInfo& module, const std::string& path) {
    module.status = ModuleFileStatus::Mapped;
    module.file = path;
    module.looked_for.clear();
    module.other_build_id.clear();
}

}  // namespace

std::vector<std::string> candidate_paths(const std::string& recorded, const ModuleSearch& search) {
    std::vector<std::string> paths;
    bool is_executable = !search.executable.empty() && recorded == search.recorded_executable;
    if (is_executable) add_once(paths, search.executable);
    if (!search.sysroot.empty() && recorded.starts_with('/'))
        add_once(paths, joined(search.sysroot, recorded));
    add_once(paths, recorded);
    std::string name(path_basename(recorded));
    for (const std::string& directory : search.lib_paths) add_once(paths, joined(directory, name));
    return paths;
}

namespace {

// A served file is trusted like a local one: only with the build-id the core recorded.
void fetch_module(ModuleInfo& module, const ModuleSearch& search,
                  const std::function<std::optional<std::string>(const std::string&)>& build_id_of) {
    if (module.build_id.empty() || !search.fetch_by_build_id) return;
    auto fetched = search.fetch_by_build_id(module.build_id);
    if (!fetched) {
        module.fetch_error = fetched.error().message;
        return;
    }
    std::string found = build_id_of(*fetched).value_or("");
    if (found != module.build_id) {
        module.fetch_error =
            fmt::format("debuginfod served {} with build-id {}", *fetched, found.empty() ? "none" : found);
        return;
    }
    module.status = ModuleFileStatus::Fetched;
    module.file = *fetched;
}

}  // namespace

void resolve_module(ModuleInfo& module, const ModuleSearch& search,
                    const std::function<std::optional<std::string>(const std::string&)>& build_id_of) {
    module.status = ModuleFileStatus::Missing;
    module.file.clear();
    module.looked_for.clear();
    module.fetch_error.clear();
    for (const std::string& path : candidate_paths(module.path, search)) {
        module.looked_for.push_back(path);
        if (!is_regular_file(path)) continue;
        std::string found = build_id_of(path).value_or("");
        if (module.build_id.empty() || found == module.build_id) {
            module.status = path == module.path ? ModuleFileStatus::Ok : ModuleFileStatus::Mapped;
            module.file = path;
            module.looked_for.clear();
            return;
        }
        if (module.status == ModuleFileStatus::Missing) {
            module.status = ModuleFileStatus::Mismatch;
            module.other_build_id = found.empty() ? "none" : found;
        }
    }
    fetch_module(module, search, build_id_of);
}

ExecutableChoice choose_executable(
    const std::vector<ModuleInfo>& resolved, const ModuleSearch& search,
    const std::function<std::optional<std::string>(const std::string&)>& build_id_of) {
    auto recorded = std::find_if(resolved.begin(), resolved.end(), [&](const ModuleInfo& module) {
        return module.path == search.recorded_executable;
    });
    // No module of the core to check it against: the named file is all there is.
    if (search.executable.empty() || search.recorded_executable.empty() || recorded == resolved.end())
        return {search.executable, std::nullopt};
    if (recorded->file == search.executable) return {search.executable, std::nullopt};
    std::string used = recorded->file.empty() ? recorded->path : recorded->file;
    std::optional<std::string> found = build_id_of(search.executable);
    std::string reason =
        found
            ? fmt::format("its build-id {} is not the one the core recorded ({})", *found, recorded->build_id)
            : fmt::format("it has no build-id and the core recorded {}", recorded->build_id);
    return {used, IgnoredFile{search.executable, reason}};
}

ExecutableChoice choose_executable(const std::vector<ModuleInfo>& resolved, const ModuleSearch& search) {
    return choose_executable(resolved, search, build_id_of_file);
}

std::vector<ModuleInfo> resolve_modules(const CoreFile& core, const ModuleSearch& search) {
    std::vector<ModuleInfo> modules = core.modules();
    std::unique_ptr<Memory> recorded = core.recorded_memory();
    for (ModuleInfo& module : modules) {
        module.build_id = build_id_in_memory(*recorded, module.base).value_or("");
        resolve_module(module, search, build_id_of_file);
    }
    return modules;
}

void resolve_live_module(ModuleInfo& module, const std::string& root, const std::string& mapped_file,
                         uint64_t mapped_inode) {
    if (!module.build_id.empty()) {
        resolve_module(module, ModuleSearch{.sysroot = root}, build_id_of_file);
        if (module.status == ModuleFileStatus::Ok || module.status == ModuleFileStatus::Mapped) return;
        if (build_id_of_file(mapped_file).value_or("") == module.build_id)
            accept_file(module, mapped_file);
        else
            module.looked_for.push_back(mapped_file);
        return;
    }
    // Without a build-id nothing tells a same-named file of ours from the process's own, nor its
    // own from one that replaced it since: only the file the mapping's inode names is read.
    std::string own = joined(root, module.path);
    for (const std::string& path : {own, mapped_file}) {
        if (inode_of(path) != mapped_inode) continue;
        accept_file(module, path);
        return;
    }
    module.status = ModuleFileStatus::Missing;
    module.file.clear();
    module.looked_for = {own, mapped_file};
}

// The kernel's mark on a maps path whose file was unlinked since it was mapped.
constexpr std::string_view kDeletedMark = " (deleted)";

void resolve_live_modules(std::vector<ModuleInfo>& modules, const std::vector<ModuleMapping>& mappings,
                          int pid, const Memory& memory) {
    bool in_container = has_own_filesystem(pid);
    std::string root = in_container ? root_of_process(pid) : std::string();
    for (size_t i = 0; i < modules.size() && i < mappings.size(); ++i) {
        ModuleInfo& module = modules[i];
        // Ours at its path is the process's own file, unless it was removed since.
        if (!in_container && !module.path.ends_with(kDeletedMark)) continue;
        const ModuleMapping& mapping = mappings[i];
        module.build_id = build_id_in_memory(memory, module.base).value_or("");
        std::string mapped_file =
            fmt::format("/proc/{}/map_files/{:x}-{:x}", pid, mapping.start, mapping.end);
        resolve_live_module(module, root, mapped_file, mapping.inode);
    }
}

}  // namespace pyxray
