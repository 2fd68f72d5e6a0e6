#include <elfutils/debuginfod.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "pyxray/debuginfod.hpp"

namespace pyxray {
namespace {

struct ClientDeleter {
    void operator()(debuginfod_client* client) const { debuginfod_end(client); }
};
using ClientPtr = std::unique_ptr<debuginfod_client, ClientDeleter>;

int find(debuginfod_client* client, DebuginfodFile what, const std::string& build_id, char** path) {
    // A build-id length of 0 tells libdebuginfod the id is hex text.
    const auto* id = reinterpret_cast<const unsigned char*>(build_id.c_str());
    if (what == DebuginfodFile::Executable) return debuginfod_find_executable(client, id, 0, path);
    return debuginfod_find_debuginfo(client, id, 0, path);
}

}  // namespace

bool debuginfod_servers_named() {
    const char* urls = std::getenv("DEBUGINFOD_URLS");
    return urls != nullptr && urls[0] != '\0';
}

Result<std::string> fetch_from_debuginfod(DebuginfodFile what, const std::string& build_id,
                                          const std::function<void(debuginfod_client*)>& prepare) {
    if (!debuginfod_servers_named()) return fail(ErrorCode::InvalidArgument, "DEBUGINFOD_URLS is not set");
    ClientPtr client(debuginfod_begin());
    if (!client) return fail(ErrorCode::Internal, "libdebuginfod could not start a client");
    if (prepare) prepare(client.get());
    char* path = nullptr;
    int fd = find(client.get(), what, build_id, &path);
    std::unique_ptr<char, decltype(&std::free)> owned(path, &std::free);
    if (fd == -ENOENT) return fail(ErrorCode::Io, "debuginfod: no server has this build-id");
    if (fd < 0) return fail(ErrorCode::Io, fmt::format("debuginfod: {}", std::strerror(-fd)));
    close(fd);
    return std::string(path != nullptr ? path : "");
}

}  // namespace pyxray
