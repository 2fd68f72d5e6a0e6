// `pyxray repr` output: one line per address as text, or one JSON document.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pyxray/render.hpp"
#include "pyxray/repr.hpp"

namespace pyxray {

std::string render_repr_text(const std::vector<ObjectRepr>& objects) {
    std::string out;
    for (const auto& object : objects) {
        if (object.repr)
            out += printable_text(*object.repr);  // a type's tp_name in a default repr is raw
        else
            out += fmt::format("error: {:#x}: {}", object.address, printable_text(object.error));
        out += '\n';
    }
    return out;
}

std::string render_repr_json(const std::vector<ObjectRepr>& objects) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& object : objects) {
        nlohmann::json entry{{"address", fmt::format("{:#x}", object.address)}};
        if (object.repr) {
            entry["repr"] = *object.repr;
            if (object.type) entry["type"] = *object.type;
        } else {
            entry["error"] = object.error;
        }
        list.push_back(std::move(entry));
    }
    nlohmann::json document{{"pyxray", 1}, {"objects", std::move(list)}};
    // Reprs of bytes may hold any byte: replace what is not UTF-8 rather than throw.
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace pyxray
