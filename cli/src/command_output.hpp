// What a command writes: its text for stdout and, when the run decoded too little to count as
// a success, the one line for stderr that makes the exit status non-zero.
#pragma once

#include <optional>
#include <string>

#include "pyxray/model.hpp"
#include "pyxray/render.hpp"
#include "pyxray/result.hpp"

namespace pyxray::cli {

struct CommandOutput {
    std::string text;
    std::optional<std::string> failure = std::nullopt;
};

inline Result<CommandOutput> text_only(Result<std::string> text) {
    if (!text) return pyxray::unexpected(text.error());
    return CommandOutput{std::move(*text)};
}

// A snapshot of a Python target without a single decoded thread state (a core cut short, its
// thread states lost) is printed, and fails: exit 1, with the truncation when that is the cause.
// A whole core of a program without CPython (native_snapshot) is a triage like any other.
inline std::optional<std::string> no_python_state(const Snapshot& snapshot) {
    if (snapshot.no_runtime && !snapshot.target.truncation) return std::nullopt;
    for (const auto& thread : snapshot.threads)
        if (thread.python) return std::nullopt;
    std::string why =
        snapshot.target.truncation ? ": " + describe_truncation(*snapshot.target.truncation) : "";
    return "no Python thread state could be decoded" + why;
}

inline CommandOutput snapshot_output(const Snapshot& snapshot, std::string text) {
    return CommandOutput{std::move(text), no_python_state(snapshot)};
}

}  // namespace pyxray::cli
