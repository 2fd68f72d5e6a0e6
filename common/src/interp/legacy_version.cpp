#include "interp/legacy_version.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <string_view>

namespace pyxray {
namespace {

// Py_GetVersion() (Python/getversion.c) formats "3.9.18 (main, ...) [GCC ...]" into a
// function-local static buffer, and start-up calls it to make sys.version, so the buffer is
// filled in any initialised process. gcc names such a static `version.0` (older gcc numbered
// it differently) in .symtab: present in unstripped builds such as pyenv's.
constexpr std::array<std::string_view, 2> kVersionBuffers = {"version.0", "version.1"};
constexpr size_t kPrefixSize = 16;

// The micro number in "3.MINOR.MICRO...", if the text starts that way.
std::optional<int> micro_in(std::string_view text, const PythonVersion& version) {
    auto expected = fmt::format("{}.{}.", version.major, version.minor);
    if (!text.starts_with(expected)) return std::nullopt;
    text.remove_prefix(expected.size());
    int micro = -1;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), micro);
    if (error != std::errc{} || end == text.data() || micro < 0 || micro > 255) return std::nullopt;
    return micro;
}

std::optional<int> read_micro(const Target& target, const ModuleInfo& module, const PythonVersion& version) {
    auto symbols = target.module_symbols(module, kVersionBuffers);
    if (!symbols) return std::nullopt;
    for (auto name : kVersionBuffers) {
        auto symbol = (*symbols)->symbol(name);
        if (!symbol) continue;
        auto bytes = read_bytes(target.memory(), *symbol, kPrefixSize);
        if (!bytes) continue;
        std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
        if (auto micro = micro_in(text, version)) return micro;
    }
    return std::nullopt;
}

}  // namespace

PythonVersion with_micro_version(const Target& target, const ModuleInfo& module, PythonVersion version) {
    auto micro = read_micro(target, module, version);
    version.micro = micro.value_or(-1);
    if (micro) version.hex = (version.hex & 0xffff0000u) | (static_cast<uint32_t>(*micro) << 8);
    return version;
}

}  // namespace pyxray
