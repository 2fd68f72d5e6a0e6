// Modules and threads of a live process, from /proc.
#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>

#include "pyxray/core_file.hpp"

namespace pyxray {
namespace {

// No real process has more; a bound keeps a runaway /proc read finite.
constexpr size_t kMaxMapLines = 1 << 22;
constexpr size_t kMaxThreads = 1 << 20;
// The kernel's own bound on a command line is far larger; a report needs no more.
constexpr size_t kMaxCommandLine = 1 << 16;

struct MapsLine {
    uint64_t start = 0;
    uint64_t end = 0;
    uint64_t offset = 0;
    uint64_t inode = 0;
    std::string path;
};

bool parse_hex(std::string_view text, uint64_t& value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    return error == std::errc() && end == text.data() + text.size();
}

// "start-end perms offset dev inode   path"; the path may contain spaces.
bool parse_maps_line(std::string_view line, MapsLine& out) {
    std::string_view fields[5];
    for (auto& field : fields) {
        line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
        size_t space = std::min(line.find(' '), line.size());
        field = line.substr(0, space);
        line.remove_prefix(space);
    }
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    size_t dash = fields[0].find('-');
    if (dash == std::string_view::npos) return false;
    if (!parse_hex(fields[0].substr(0, dash), out.start) || !parse_hex(fields[0].substr(dash + 1), out.end) ||
        !parse_hex(fields[2], out.offset))
        return false;
    auto [end, error] = std::from_chars(fields[4].data(), fields[4].data() + fields[4].size(), out.inode);
    if (error != std::errc() || end != fields[4].data() + fields[4].size()) return false;
    out.path = std::string(line);
    return true;
}

}  // namespace

Result<std::vector<ModuleInfo>> modules_of_process(int pid) {
    std::string maps_path = fmt::format("/proc/{}/maps", pid);
    std::ifstream maps(maps_path);
    if (!maps)
        return fail(ErrorCode::Io, fmt::format("cannot read {}: {}; is process {} running and "
                                               "yours to inspect?",
                                               maps_path, std::strerror(errno), pid));
    std::vector<ModuleInfo> modules;
    std::vector<ModuleMapping> mappings;  // parallel to modules
    std::map<std::string, size_t> seen;   // path -> index in modules
    std::string line;
    for (size_t count = 0; count < kMaxMapLines && std::getline(maps, line); ++count) {
        MapsLine entry;
        // Only file-backed mappings are modules: [vdso], [heap], [stack] and anonymous ones are not.
        if (!parse_maps_line(line, entry) || !entry.path.starts_with('/') || entry.offset != 0) continue;
        if (!seen.try_emplace(entry.path, modules.size()).second) continue;
        modules.push_back(ModuleInfo{entry.path, entry.start});
        mappings.push_back(ModuleMapping{entry.start, entry.end, entry.inode});
    }
    resolve_live_modules(modules, mappings, pid, *make_process_memory(pid));
    return modules;
}

std::string command_line_of_process(int pid) {
    std::ifstream file(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
    std::string text(kMaxCommandLine, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(std::max<std::streamsize>(file.gcount(), 0)));
    while (!text.empty() && text.back() == '\0') text.pop_back();
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
}

Result<std::vector<int64_t>> threads_of_process(int pid) {
    std::string task_path = fmt::format("/proc/{}/task", pid);
    std::unique_ptr<DIR, int (*)(DIR*)> task(opendir(task_path.c_str()), closedir);
    if (!task)
        return fail(ErrorCode::Io, fmt::format("cannot list {}: {}; is process {} running and "
                                               "yours to inspect?",
                                               task_path, std::strerror(errno), pid));
    std::vector<int64_t> tids;
    while (dirent* entry = readdir(task.get())) {
        std::string_view name = entry->d_name;
        int64_t tid = 0;
        auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), tid);
        if (error == std::errc() && end == name.data() + name.size()) tids.push_back(tid);
        if (tids.size() >= kMaxThreads) break;
    }
    std::sort(tids.begin(), tids.end());
    return tids;
}

}  // namespace pyxray
