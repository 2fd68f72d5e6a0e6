// Errors are values: nothing that reads target memory throws, asserts or aborts.
#pragma once

#include <cstdint>
#include <expected>
#if !defined(__cpp_lib_expected)
// clang-14 over libstdc++ 12 (the fuzz build): <expected> declares nothing there.
#include "pyxray/expected_fallback.hpp"
#endif
#include <string>
#include <utility>

namespace pyxray {

#if defined(__cpp_lib_expected)
using std::expected;
using std::unexpected;
#else
using compat::expected;
using compat::unexpected;
#endif

enum class ErrorCode {
    Unreadable,       // target memory could not be read
    NotPython,        // no CPython runtime found
    Unsupported,      // a CPython version or build we do not decode
    BadData,          // target memory holds something that cannot be what we expect
    Truncated,        // a walk hit its cap
    Io,               // a file (core, executable, /proc) could not be opened or parsed
    InvalidArgument,  // the user asked for something impossible
    Internal,
};

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    uint64_t address = 0;  // the target address involved, 0 when none
};

template <class T>
using Result = pyxray::expected<T, Error>;

inline pyxray::unexpected<Error> fail(ErrorCode code, std::string message, uint64_t address = 0) {
    return pyxray::unexpected(Error{code, std::move(message), address});
}

// Propagates an error from a Result-returning expression, else yields its value.
#define PYXRAY_TRY(var, expr)                                             \
    auto var##_result_ = (expr);                                          \
    if (!var##_result_) return pyxray::unexpected(var##_result_.error()); \
    auto var = std::move(*var##_result_)  // NOLINT(bugprone-macro-parentheses): `var` is a declarator

#define PYXRAY_TRY_VOID(expr)                                                             \
    do {                                                                                  \
        auto pyxray_void_result_ = (expr);                                                \
        if (!pyxray_void_result_) return pyxray::unexpected(pyxray_void_result_.error()); \
    } while (0)

}  // namespace pyxray
