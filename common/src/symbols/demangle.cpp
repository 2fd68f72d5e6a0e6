#include "symbols/demangle.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "merge/classify.hpp"

namespace pyxray {
namespace {

struct FreeDeleter {
    void operator()(char* text) const { std::free(text); }
};

// A symbol table is target data: a name longer than this is left as it is.
constexpr size_t kMaxMangledName = 4096;

}  // namespace

std::optional<std::string> demangle(std::string_view linkage_name) {
    if (!linkage_name.starts_with("_Z") || linkage_name.size() > kMaxMangledName) return std::nullopt;
    std::string terminated(linkage_name);
    int status = 0;
    std::unique_ptr<char, FreeDeleter> text(
        abi::__cxa_demangle(terminated.c_str(), nullptr, nullptr, &status));
    if (status != 0 || !text) return std::nullopt;
    return std::string(text.get());
}

void use_readable_name(NativeFrame& frame) {
    std::string_view unversioned = without_symbol_version(frame.function);
    std::optional<std::string> readable = demangle(unversioned);
    if (frame.linkage_name.empty()) frame.linkage_name = std::string(unversioned);
    frame.function = readable ? std::move(*readable) : std::string(unversioned);
}

}  // namespace pyxray
