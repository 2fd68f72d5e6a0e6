// File names in paths a target, a core or a debugger gave: text only, no filesystem access.
#pragma once

#include <string_view>

namespace pyxray {

// "libc.so.6" of "/usr/lib/x86_64-linux-gnu/libc.so.6"; the path itself when it has no '/'.
constexpr std::string_view path_basename(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// glibc's C library by its file name: "libc.so.6", or "libc-2.31.so" before glibc 2.34.
constexpr bool is_libc_path(std::string_view path) {
    std::string_view name = path_basename(path);
    return name.starts_with("libc.so") || name.starts_with("libc-");
}

// threading's and queue's source files, whose frames are a blocked thread's plumbing: the
// primitives' own methods (Event.wait, Queue.get), not the user's code that called them.
constexpr bool is_threading_source(std::string_view path) {
    constexpr std::string_view futures = "/concurrent/futures/_base.py";  // a bare _base.py is any package's
    std::string_view name = path_basename(path);
    return name == "threading.py" || name == "queue.py" || path.ends_with(futures) ||
           path == futures.substr(1);
}

}  // namespace pyxray
