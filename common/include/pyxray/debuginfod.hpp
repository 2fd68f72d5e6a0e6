// Files by GNU build-id from debuginfod servers (elfutils' libdebuginfod), for the front-ends
// whose debugger has no client of its own (the CLI's cores, lldb-16). Only when DEBUGINFOD_URLS
// names a server; files land in libdebuginfod's cache ($DEBUGINFOD_CACHE_PATH, else
// ~/.cache/debuginfod_client).
#pragma once

#include <functional>
#include <string>

#include "pyxray/result.hpp"

struct debuginfod_client;

namespace pyxray {

enum class DebuginfodFile { Executable, DebugInfo };

// Whether DEBUGINFOD_URLS names a server.
bool debuginfod_servers_named();

// The cached path of the file with this build-id (hex), or why there is none. `prepare` sees the
// client before it asks (a front-end sets its progress display there).
Result<std::string> fetch_from_debuginfod(DebuginfodFile what, const std::string& build_id,
                                          const std::function<void(debuginfod_client*)>& prepare = {});

}  // namespace pyxray
