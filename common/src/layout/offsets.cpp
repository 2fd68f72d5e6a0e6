#include "layout/offsets.hpp"

#include <fmt/format.h>

namespace pyxray {

PythonVersion PythonVersion::from_hex(uint32_t hex) {
    return PythonVersion{static_cast<int>((hex >> 24) & 0xff), static_cast<int>((hex >> 16) & 0xff),
                         static_cast<int>((hex >> 8) & 0xff), hex};
}

std::string PythonVersion::str() const {
    if (micro < 0) return fmt::format("{}.{}", major, minor);  // micro version not known
    return fmt::format("{}.{}.{}", major, minor, micro);
}

namespace {

// Free-threaded builds exist from 3.13 on; each needs its own table.
Result<const Offsets*> free_threaded_offsets_for(const PythonVersion& version) {
    if (version.major == 3 && version.minor == 13) return &offsets_3_13t();
    if (version.major == 3 && version.minor == 14) return &offsets_3_14t();
    if (version.major == 3 && version.minor == 15) return &offsets_3_15t();
    return fail(ErrorCode::Unsupported,
                fmt::format("free-threaded CPython {} is not supported yet (supported: 3.13 to 3.15)",
                            version.str()));
}

}  // namespace

bool predates_supported_versions(const PythonVersion& version) {
    return version.major < 3 || (version.major == 3 && version.minor < 8);
}

Error too_old_version_error(const PythonVersion& version) {
    return Error{ErrorCode::Unsupported,
                 fmt::format("CPython {}.{} is not supported (3.8 and later)", version.major, version.minor),
                 0};
}

Result<const Offsets*> offsets_for(const PythonVersion& version, BuildKind kind) {
    if (kind == BuildKind::FreeThreaded) return free_threaded_offsets_for(version);
    if (predates_supported_versions(version)) return pyxray::unexpected(too_old_version_error(version));
    if (version.major == 3 && version.minor == 8) return &offsets_3_8();
    if (version.major == 3 && version.minor == 9) return &offsets_3_9();
    if (version.major == 3 && version.minor == 10) return &offsets_3_10();
    if (version.major == 3 && version.minor == 11) return &offsets_3_11();
    if (version.major == 3 && version.minor == 12) return &offsets_3_12();
    if (version.major == 3 && version.minor == 13) return &offsets_3_13();
    if (version.major == 3 && version.minor == 14) return &offsets_3_14();
    if (version.major == 3 && version.minor == 15) return &offsets_3_15();
    return fail(ErrorCode::Unsupported,
                fmt::format("CPython {} is not supported yet (supported: 3.8 to 3.15)", version.str()));
}

}  // namespace pyxray
