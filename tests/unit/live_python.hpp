// A real interpreter for unit tests that read a live process: it runs `script` (which must end
// by printing a line that starts with "ready" and reading stdin), and lives until its stdin
// closes.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "interp/runtime_locator.hpp"
#include "pyxray/process.hpp"
#include "pyxray/target.hpp"

extern char** environ;

namespace pyxray::testing {

inline constexpr const char* kReadyScript = "import sys; print('ready', flush=True); sys.stdin.read()";

class LivePython {
public:
    explicit LivePython(const char* executable, const char* script = kReadyScript) {
        int out[2], in[2];
        if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        char* argv[] = {const_cast<char*>(executable), const_cast<char*>("-c"), const_cast<char*>(script),
                        nullptr};
        if (posix_spawn(&pid_, executable, &actions, nullptr, argv, environ) != 0) pid_ = 0;
        posix_spawn_file_actions_destroy(&actions);
        close(out[1]);
        close(in[0]);
        stdin_ = in[1];
        if (pid_ > 0) ready_line_ = read_line(out[0]);
        close(out[0]);
    }
    ~LivePython() {
        if (stdin_ >= 0) close(stdin_);
        if (pid_ > 0) waitpid(pid_, nullptr, 0);
    }
    LivePython(const LivePython&) = delete;
    LivePython& operator=(const LivePython&) = delete;
    pid_t pid() const { return pid_; }
    // The whole line, newline included: closing the pipe before print() has written all of it
    // would give the target a BrokenPipeError.
    static std::string read_line(int fd) {
        std::string line;
        char c = 0;
        while (line.size() < 4096 && read(fd, &c, 1) == 1) {
            line += c;
            if (c == '\n') break;
        }
        return line;
    }
    bool ready() const { return ready_line_.rfind("ready", 0) == 0; }
    // The ready line, newline included: what the script reported about itself.
    const std::string& ready_line() const { return ready_line_; }

    // Waits (up to `seconds`) until the main thread is in system call `number` (x86-64: 0 is
    // read): the script has finished what it did after printing its ready line, whose
    // temporary objects are gone by then.
    bool wait_for_main_thread_in_syscall(int number, double seconds = 30) const {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        std::string path = "/proc/" + std::to_string(pid_) + "/syscall";
        while (std::chrono::steady_clock::now() < deadline) {
            std::ifstream file(path);
            std::string first;
            if (file >> first && first == std::to_string(number)) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return false;
    }

private:
    pid_t pid_ = 0;
    int stdin_ = -1;
    std::string ready_line_;
};

inline Result<LocatedRuntime> locate_in(pid_t pid, const std::string& executable) {
    PYXRAY_TRY(modules, modules_of_process(pid));
    StaticTarget target(make_process_memory(pid), {TargetKind::Live, pid, executable}, std::move(modules), {},
                        {});
    return locate_runtime(target);
}

}  // namespace pyxray::testing
