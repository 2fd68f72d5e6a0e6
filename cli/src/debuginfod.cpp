#include "debuginfod.hpp"

#include <elfutils/debuginfod.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "pyxray/debuginfod.hpp"

namespace pyxray::cli {
namespace {

bool enabled = false;
bool line_showing = false;

// The URL comes from DEBUGINFOD_URLS and a build-id: shown with control characters replaced all
// the same, as everything pyxray puts on a terminal.
std::string printable(const char* text) {
    std::string out;
    for (const char* c = text; c != nullptr && *c != '\0'; ++c)
        out += static_cast<unsigned char>(*c) < 0x20 || *c == 0x7f ? '?' : *c;
    return out;
}

std::string kilobytes(long bytes) { return fmt::format("{} kB", (bytes + 1023) / 1024); }

// libdebuginfod calls this while a transfer runs (done, total: bytes, total <= 0 when unknown).
int show_progress(debuginfod_client* client, long done, long total) {
    std::string url = printable(debuginfod_get_url(client));
    std::string amount =
        total > 0 ? fmt::format("{} of {}", kilobytes(done), kilobytes(total)) : kilobytes(done);
    std::fprintf(stderr, "\rpyxray: downloading %s (%s)\033[K", url.c_str(), amount.c_str());
    std::fflush(stderr);
    line_showing = true;
    return 0;  // go on
}

void show_on_terminal(debuginfod_client* client) {
    if (client != nullptr && isatty(STDERR_FILENO)) debuginfod_set_progressfn(client, show_progress);
}

}  // namespace

void configure_debuginfod() {
    enabled = debuginfod_servers_named();
    if (!enabled) unsetenv("DEBUGINFOD_URLS");
}

bool debuginfod_enabled() { return enabled; }

void show_debuginfod_downloads(Dwfl* dwfl) {
    if (enabled) show_on_terminal(dwfl_get_debuginfod_client(dwfl));
}

void end_download_line() {
    if (!line_showing) return;
    std::fputc('\n', stderr);
    line_showing = false;
}

Result<std::string> fetch_executable(const std::string& build_id) {
    if (!enabled) return fail(ErrorCode::InvalidArgument, "DEBUGINFOD_URLS is not set");
    auto fetched = fetch_from_debuginfod(DebuginfodFile::Executable, build_id, show_on_terminal);
    end_download_line();
    return fetched;
}

}  // namespace pyxray::cli
