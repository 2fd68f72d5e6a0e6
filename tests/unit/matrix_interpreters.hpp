// The integration matrix's interpreters, for unit tests that run them: pyenv's (newest
// ~/.pyenv/versions/3.X.*) and those fixtures/interpreters/build.sh built from Debian's sources.
// Under CI=true a missing one fails the test (as tests/integration/support/interpreters.py does).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace pyxray::testing {

inline bool under_ci() {
    const char* ci = std::getenv("CI");
    return ci && std::string(ci) == "true";
}

// ~/.pyenv/versions/3.<minor>.*/bin/python3.<minor>, the newest by micro version.
inline std::optional<std::string> pyenv_python(int minor) {
    const char* home = std::getenv("HOME");
    std::filesystem::path versions = std::filesystem::path(home ? home : "/root") / ".pyenv" / "versions";
    std::string prefix = "3." + std::to_string(minor) + ".";
    std::optional<std::string> best;
    int best_micro = -1;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(versions, error)) {
        std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        auto executable = entry.path() / "bin" / ("python3." + std::to_string(minor));
        int micro = std::atoi(name.c_str() + prefix.size());
        if (std::filesystem::exists(executable) && micro > best_micro) {
            best = executable.string();
            best_micro = micro;
        }
    }
    return best;
}

// `name path` lines of `build.sh --list`: the executable built for `name` ("debian-3.13t").
inline std::optional<std::string> built_python(const std::string& name) {
    std::string command =
        std::string(PYXRAY_SOURCE_DIR) + "/fixtures/interpreters/build.sh --list 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return std::nullopt;
    std::string listing;
    char buffer[512];
    while (std::fgets(buffer, sizeof(buffer), pipe)) listing += buffer;
    pclose(pipe);
    std::istringstream lines(listing);
    std::string listed, path;
    while (lines >> listed >> path)
        if (listed == name && std::filesystem::exists(path)) return path;
    return std::nullopt;
}

// The executable of matrix interpreter `id` ("pyenv-3.13", "debian-3.13t"), or nothing.
inline std::optional<std::string> matrix_python(const std::string& id) {
    if (id.rfind("pyenv-3.", 0) == 0) return pyenv_python(std::atoi(id.c_str() + 8));
    return built_python(id);
}

}  // namespace pyxray::testing

// Sets `var` to interpreter `id`'s executable, or fails (CI) / skips the test saying what is missing.
#define PYXRAY_REQUIRE_PYTHON(var, id)                                                                 \
    auto var##_found = pyxray::testing::matrix_python(id);                                             \
    if (!var##_found) {                                                                                \
        if (pyxray::testing::under_ci())                                                               \
            FAIL() << "CI=true but interpreter " << (id) << " is missing (make interpreters / pyenv)"; \
        GTEST_SKIP() << "interpreter " << (id) << " is not installed (make interpreters / pyenv)";     \
    }                                                                                                  \
    const std::string var = *var##_found
