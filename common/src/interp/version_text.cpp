#include "interp/version_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace pyxray {
namespace {

// libpython's .bss is ~140 KiB (3.8-3.10); an executable that embeds Python has its own too.
constexpr uint64_t kMaxBssBytes = 16u << 20;
constexpr size_t kChunkBytes = size_t{256} * 1024;
// "3.10.13" then a tag such as "+" or "rc1", then " (": the version's own length is short.
constexpr size_t kMaxTagLength = 16;
constexpr size_t kLongestText = 32;

std::optional<int> number_at(std::string_view& text, int max) {
    int value = -1;
    auto [end, error] = std::from_chars(text.data(), text.data() + std::min<size_t>(text.size(), 3), value);
    if (error != std::errc{} || value < 0 || value > max) return std::nullopt;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    return value;
}

bool tag_then_paren(std::string_view text) {
    size_t length = 0;
    while (length < text.size() && length <= kMaxTagLength &&
           (std::isalnum(static_cast<unsigned char>(text[length])) || text[length] == '+'))
        ++length;
    return text.substr(length).starts_with(" (");
}

}  // namespace

std::optional<PythonVersion> parse_version_text(std::string_view text, std::optional<int> minor) {
    if (!text.starts_with("3.")) return std::nullopt;
    text.remove_prefix(2);
    auto found_minor = number_at(text, 255);
    if (!found_minor || (minor && *found_minor != *minor) || !text.starts_with('.')) return std::nullopt;
    text.remove_prefix(1);
    auto micro = number_at(text, 255);
    if (!micro || !tag_then_paren(text)) return std::nullopt;
    uint32_t hex =
        (3u << 24) | (static_cast<uint32_t>(*found_minor) << 16) | (static_cast<uint32_t>(*micro) << 8);
    return PythonVersion{3, *found_minor, *micro, hex};
}

std::optional<PythonVersion> version_from_buffer_scan(const Memory& memory, const ModuleSymbols& symbols,
                                                      std::optional<int> minor) {
    auto bss = symbols.section(".bss");
    if (!bss || bss->size == 0) return std::nullopt;
    uint64_t start = bss->address;
    uint64_t size = std::min(bss->size, kMaxBssBytes);
    std::vector<std::byte> buffer(kChunkBytes + kLongestText);
    // Chunks overlap by kLongestText so a text across a chunk boundary is seen whole.
    for (uint64_t done = 0; done < size; done += kChunkBytes) {
        size_t length = static_cast<size_t>(std::min<uint64_t>(size - done, buffer.size()));
        auto bytes = std::span(buffer).first(length);
        if (!memory.read(start + done, bytes)) continue;
        std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        for (size_t at = text.find("3."); at != std::string_view::npos; at = text.find("3.", at + 1))
            if (auto version = parse_version_text(text.substr(at, kLongestText), minor)) return version;
    }
    return std::nullopt;
}

}  // namespace pyxray
