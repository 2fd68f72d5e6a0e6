// Merged-stack frames for renderer and marker tests, built in one place.
#pragma once

#include <cstdint>
#include <string>

#include "pyxray/model.hpp"

namespace pyxray::testing {

inline StackFrame python_stack_frame(const std::string& qualname, const std::string& file = "/app.py",
                                     int line = 7, uint64_t frame_address = 0) {
    StackFrame frame;
    frame.kind = StackFrame::Kind::Python;
    frame.python.function = qualname;
    frame.python.qualname = qualname;
    frame.python.file = file;
    frame.python.line = line;
    frame.python.frame_address = frame_address;
    return frame;
}

inline StackFrame native_stack_frame(const std::string& name) {
    StackFrame frame;
    frame.native.function = name;
    return frame;
}

}  // namespace pyxray::testing
