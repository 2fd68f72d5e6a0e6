#include "decompression_notice.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace pyxray::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::string megabytes(uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

void say(const std::string& line) { std::fprintf(stderr, "pyxray: %s\n", line.c_str()); }

struct NoticeState {
    std::string core_path;
    bool terminal = isatty(STDERR_FILENO) == 1;
    Clock::time_point start = Clock::now();
    Clock::time_point last_shown = {};
    bool shown_progress = false;
};

// At most five updates a second: a multi-GB core takes many 1 MB chunks.
void show_progress(NoticeState& state, const DecompressionProgress& progress) {
    if (!state.terminal) return;
    auto now = Clock::now();
    if (now - state.last_shown < std::chrono::milliseconds(200)) return;
    state.last_shown = now;
    state.shown_progress = true;
    double percent = progress.compressed_size == 0 ? 100.0
                                                   : 100.0 * static_cast<double>(progress.compressed_done) /
                                                         static_cast<double>(progress.compressed_size);
    std::fprintf(stderr, "\rpyxray: decompressing: %.0f%% of %s read, %s written\033[K", percent,
                 megabytes(progress.compressed_size).c_str(), megabytes(progress.decompressed).c_str());
}

void show_end(NoticeState& state, const DecompressionProgress& progress, bool succeeded) {
    if (state.shown_progress) std::fputs("\r\033[K", stderr);
    if (!succeeded) return;  // the error that follows says what went wrong
    double seconds = std::chrono::duration<double>(Clock::now() - state.start).count();
    say(fmt::format("decompressed {} from {} in {:.1f} s", megabytes(progress.decompressed),
                    megabytes(progress.compressed_size), seconds));
}

}  // namespace

DecompressionObserver decompression_notice(const std::string& core_path) {
    auto state = std::make_shared<NoticeState>();
    state->core_path = core_path;
    return DecompressionObserver{
        .started =
            [state](const DecompressionProgress& progress) {
                say(fmt::format(
                    "{} is {}-compressed: decompressing it into a temporary file in {} "
                    "(unnamed, removed at exit)",
                    state->core_path, compression_name(progress.compression), progress.directory));
            },
        .progressed = [state](const DecompressionProgress& progress) { show_progress(*state, progress); },
        .ended = [state](const DecompressionProgress& progress,
                         bool succeeded) { show_end(*state, progress, succeeded); },
    };
}

}  // namespace pyxray::cli
