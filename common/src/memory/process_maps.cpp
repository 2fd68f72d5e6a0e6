// Modules and threads of a live process, from /proc.
#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include "pyxray/process.hpp"

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
    bool readable = false;
    bool writable = false;
    uint64_t offset = 0;
    uint64_t inode = 0;
    std::string path;  // may contain spaces; empty for an anonymous mapping
};

bool parse_hex(std::string_view text, uint64_t& value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    return error == std::errc() && end == text.data() + text.size();
}

std::string_view next_field(std::string_view& line) {
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    size_t space = std::min(line.find(' '), line.size());
    std::string_view field = line.substr(0, space);
    line.remove_prefix(space);
    return field;
}

// "start-end perms offset dev inode   path".
std::optional<MapsLine> parse_maps_line(std::string_view line) {
    std::string_view range = next_field(line);
    std::string_view perms = next_field(line);
    std::string_view offset = next_field(line);
    next_field(line);  // device
    std::string_view inode = next_field(line);
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    MapsLine out;
    size_t dash = range.find('-');
    if (dash == std::string_view::npos || perms.size() < 2 || !parse_hex(range.substr(0, dash), out.start) ||
        !parse_hex(range.substr(dash + 1), out.end) || out.end <= out.start || !parse_hex(offset, out.offset))
        return std::nullopt;
    auto [end, error] = std::from_chars(inode.data(), inode.data() + inode.size(), out.inode);
    if (error != std::errc() || end != inode.data() + inode.size()) return std::nullopt;
    out.readable = perms[0] == 'r';
    out.writable = perms[1] == 'w';
    out.path = std::string(line);
    return out;
}

Result<std::vector<MapsLine>> read_process_maps(int pid) {
    std::string maps_path = fmt::format("/proc/{}/maps", pid);
    std::ifstream maps(maps_path);
    if (!maps)
        return fail(ErrorCode::Io, fmt::format("cannot read {}: {}; is process {} running and "
                                               "yours to inspect?",
                                               maps_path, std::strerror(errno), pid));
    std::vector<MapsLine> lines;
    std::string line;
    for (size_t count = 0; count < kMaxMapLines && std::getline(maps, line); ++count)
        if (auto entry = parse_maps_line(line)) lines.push_back(std::move(*entry));
    return lines;
}

}  // namespace

Result<std::vector<MemoryRegion>> memory_regions_of_process(int pid) {
    PYXRAY_TRY(lines, read_process_maps(pid));
    std::vector<MemoryRegion> regions;
    for (MapsLine& line : lines)
        if (line.readable)  // nothing to scan in the others
            regions.push_back(MemoryRegion{line.start, line.end, line.writable, std::move(line.path)});
    return regions;
}

Result<std::vector<ModuleInfo>> modules_of_process(int pid) {
    PYXRAY_TRY(lines, read_process_maps(pid));
    std::vector<ModuleInfo> modules;
    std::vector<ModuleMapping> mappings;  // parallel to modules
    std::map<std::string, size_t> seen;   // path -> index in modules
    for (const MapsLine& line : lines) {
        // Only file-backed mappings are modules: [vdso], [heap], [stack] and anonymous ones are not.
        if (!line.path.starts_with('/') || line.offset != 0) continue;
        if (!seen.try_emplace(line.path, modules.size()).second) continue;
        modules.push_back(ModuleInfo{line.path, line.start});
        mappings.push_back(ModuleMapping{line.start, line.end, line.inode});
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

char thread_run_state(int pid, int64_t tid) {
    std::ifstream file(fmt::format("/proc/{}/task/{}/stat", pid, tid));
    std::string stat;
    if (!std::getline(file, stat)) return 0;
    auto close_paren = stat.rfind(')');  // the name before it may hold anything
    if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) return 0;
    return stat[close_paren + 2];
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
