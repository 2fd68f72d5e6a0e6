#include "memory/process_namespaces.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <fstream>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace pyxray {
namespace {

// No real process has more; a bound keeps a runaway /proc read finite.
constexpr size_t kMaxThreads = 1 << 20;
constexpr size_t kMaxStatusLines = 256;

std::optional<std::string> link_of(const std::string& path) {
    std::array<char, 256> target{};
    ssize_t length = readlink(path.c_str(), target.data(), target.size() - 1);
    if (length <= 0) return std::nullopt;
    return std::string(target.data(), static_cast<size_t>(length));
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat first {
    }, second{};
    if (stat(a.c_str(), &first) != 0 || stat(b.c_str(), &second) != 0) return true;
    return first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

// "NSpid:\t4242\t17": the thread's id in each PID namespace from ours inward.
std::vector<int64_t> namespace_ids(const std::string& status_path) {
    std::ifstream status(status_path);
    std::string line;
    for (size_t count = 0; count < kMaxStatusLines && std::getline(status, line); ++count) {
        if (!line.starts_with("NSpid:")) continue;
        std::vector<int64_t> ids;
        std::string_view rest = std::string_view(line).substr(6);
        while (!rest.empty()) {
            rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
            int64_t id = 0;
            auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
            if (error != std::errc()) break;
            ids.push_back(id);
            rest.remove_prefix(static_cast<size_t>(end - rest.data()));
        }
        return ids;
    }
    return {};
}

}  // namespace

bool has_own_filesystem(int pid) {
    auto ours = link_of("/proc/self/ns/mnt");
    auto theirs = link_of(fmt::format("/proc/{}/ns/mnt", pid));
    if (ours && theirs && *ours != *theirs) return true;
    return !same_file("/", root_of_process(pid));
}

std::string root_of_process(int pid) { return fmt::format("/proc/{}/root", pid); }

bool in_our_pid_namespace(int pid) { return namespace_ids(fmt::format("/proc/{}/status", pid)).size() == 1; }

std::unordered_map<int64_t, int64_t> our_tids_by_namespace_tid(int pid) {
    std::unordered_map<int64_t, int64_t> tids;
    if (namespace_ids(fmt::format("/proc/{}/status", pid)).size() < 2) return tids;
    std::string task_path = fmt::format("/proc/{}/task", pid);
    std::unique_ptr<DIR, int (*)(DIR*)> task(opendir(task_path.c_str()), closedir);
    if (!task) return tids;
    while (dirent* entry = readdir(task.get())) {
        if (entry->d_name[0] == '.') continue;
        auto ids = namespace_ids(fmt::format("{}/{}/status", task_path, entry->d_name));
        if (ids.size() >= 2) tids.emplace(ids.back(), ids.front());
        if (tids.size() >= kMaxThreads) break;
    }
    return tids;
}

}  // namespace pyxray
