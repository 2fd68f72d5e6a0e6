// Walking a synthetic image's thread states the way a session does, and naming what came out.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "interp/code_objects.hpp"
#include "interp/thread_states.hpp"
#include "layout/offsets.hpp"
#include "pyxray/model.hpp"

namespace pyxray::testing {

// Every thread state of `image` (a SyntheticPython or LegacySyntheticPython) with its frames.
template <class Image>
std::vector<PyThread> walk(const Image& image, const Offsets& offsets) {
    auto memory = image.memory();
    CodeCache codes(*memory, offsets);
    auto threads = read_thread_states(*memory, offsets, image.runtime(), codes, true);
    EXPECT_TRUE(threads.has_value()) << threads.error().message;
    return threads ? threads->threads : std::vector<PyThread>{};
}

// "qualname:line" of each frame, innermost first.
inline std::vector<std::string> names(const PyThread& thread) {
    std::vector<std::string> out;
    for (const auto& frame : thread.frames) out.push_back(frame.qualname + ":" + std::to_string(frame.line));
    return out;
}

}  // namespace pyxray::testing
