// debuginfod (elfutils' build-id file server) for the CLI: debug info for modules without
// symbols (libdwfl's own client, asked by dwfl_standard_find_debuginfo) and a core's missing
// executable or libraries (libdebuginfod directly). Only when DEBUGINFOD_URLS names a server;
// files land in libdebuginfod's cache ($DEBUGINFOD_CACHE_PATH, else ~/.cache/debuginfod_client).
#pragma once

#include <elfutils/libdwfl.h>

#include <string>

#include "pyxray/result.hpp"

namespace pyxray::cli {

// Decided once, first thing in main: without a server named, DEBUGINFOD_URLS is removed so that
// neither libdwfl nor anything else pyxray runs asks the network.
void configure_debuginfod();
bool debuginfod_enabled();

// Shows libdwfl's downloads for this session as a progress line on a terminal (stderr).
void show_debuginfod_downloads(Dwfl* dwfl);
// Ends the progress line, if one is showing, so that later output starts on a line of its own.
void end_download_line();

// The executable or shared library with this GNU build-id (hex), from the servers or the cache:
// the path of the cached file, or why not.
Result<std::string> fetch_executable(const std::string& build_id);

}  // namespace pyxray::cli
