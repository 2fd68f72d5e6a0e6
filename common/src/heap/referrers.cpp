#include "heap/referrers.hpp"

#include <fmt/format.h>

#include <optional>
#include <unordered_map>

#include "interp/code_objects.hpp"
#include "interp/frame_variables.hpp"
#include "interp/interpreters.hpp"
#include "interp/thread_states.hpp"
#include "interp/thread_status.hpp"
#include "objects/decoder.hpp"
#include "pyxray/path_names.hpp"

namespace pyxray {
namespace {

constexpr size_t kMaxReferrers = 8;             // names kept per container
constexpr size_t kMaxNamespaceItems = 1 << 16;  // a module's globals, a class's attributes

using SlotValues = std::vector<std::pair<std::string, uint64_t>>;

class Referrers {
public:
    Referrers(const Memory& memory, const Offsets& offsets, std::vector<HeapContainer>& containers)
        : memory_(memory),
          offsets_(offsets),
          decoder_(memory, offsets, ReprLimits{}),
          reader_(memory, offsets) {
        for (auto& container : containers) wanted_[container.address] = &container;
    }

    void modules(uint64_t runtime) {
        auto interpreters = read_interpreters(memory_, offsets_, runtime);
        if (!interpreters) return;
        for (uint64_t interp : interpreters->interpreters) {
            uint64_t modules = read_interpreter_status(memory_, offsets_, runtime, interp).modules;
            if (modules == 0) continue;
            for (const auto& [key, module] : items(modules)) {
                auto name = reader_.str_value(key, 512);
                auto type = decoder_.type_of(module);
                if (!name || !type || decoder_.family_of(*type) != objects::Family::Module) continue;
                auto globals = read_pointer(memory_, module + offsets_.objects.module_object.md_dict);
                if (globals && *globals) namespace_of(*globals, *name);
            }
        }
    }

    void classes(const std::vector<uint64_t>& classes) {
        for (uint64_t cls : classes) {
            auto type = decoder_.read_type(cls);
            if (!type || !type->heap || type->dict == 0) continue;
            auto module = decoder_.type_module(*type);
            auto qualname = decoder_.type_qualname(*type);
            if (module && qualname) namespace_of(type->dict, *module + "." + *qualname);
        }
    }

    void frame_locals(uint64_t runtime) {
        CodeCache codes(memory_, offsets_);
        auto walk = read_thread_states(memory_, offsets_, runtime, codes, true);
        if (!walk) return;
        for (const PyThread& thread : walk->threads)
            for (const PyFrame& frame : thread.frames) {
                if (!optimized(frame.code_address)) continue;  // a module's or class body's: its globals
                auto spaces = read_frame_namespaces(memory_, offsets_, reader_, frame.frame_address,
                                                    frame.code_address);
                if (!spaces) continue;
                for (const FrameVariable& variable : spaces->locals) {
                    std::string local = fmt::format("{} ({}:{}) local '{}", frame.function,
                                                    path_basename(frame.file), frame.line, variable.name);
                    if (wanted_.contains(variable.object))
                        add(variable.object, local + "'");
                    else if (auto type = instance_type(variable.object))
                        attributes_of(variable.object, *type, local, "'");
                }
            }
    }

private:
    // CO_OPTIMIZED: a function's frame, whose locals are its own.
    bool optimized(uint64_t code) const {
        constexpr int32_t kCoOptimized = 1;
        auto flags = read_value<int32_t>(memory_, code + offsets_.frame_variables.code_flags);
        return flags && (*flags & kCoOptimized);
    }

    std::vector<std::pair<uint64_t, uint64_t>> items(uint64_t dict) {
        return decoder_.dict_items(dict, kMaxNamespaceItems).value_or(objects::Items{});
    }

    void namespace_of(uint64_t dict, const std::string& owner) {
        for (const auto& [key, value] : items(dict)) {
            bool wanted = wanted_.contains(value);
            std::optional<objects::TypeInfo> type = wanted ? std::nullopt : instance_type(value);
            if (!wanted && !type) continue;
            auto name = reader_.str_value(key, 512);
            if (!name) continue;
            if (wanted)
                add(value, owner + "." + *name);
            else
                attributes_of(value, *type, owner + "." + *name);
        }
    }

    // One level down: an instance a global or a local names keeps the container as an
    // attribute (`cache.entries`).
    // The object's class when it is an instance of a Python class, else nothing.
    std::optional<objects::TypeInfo> instance_type(uint64_t object) const {
        auto type = decoder_.type_of(object);
        if (!type || !type->heap || decoder_.family_of(*type) != objects::Family::Instance)
            return std::nullopt;
        return std::move(*type);
    }

    // `closing` ends each name: a local's quote.
    void attributes_of(uint64_t instance, const objects::TypeInfo& type, const std::string& owner,
                       const char* closing = "") {
        auto attributes = decoder_.instance_namespace(instance, type, kMaxNamespaceItems);
        for (const auto& [key, value] : attributes.value_or(objects::Items{}))
            if (wanted_.contains(value))
                if (auto name = reader_.str_value(key, 512)) add(value, owner + "." + name->append(closing));
        SlotValues slots = decoder_.slot_values(instance, type).value_or(SlotValues{});
        for (auto& [name, value] : slots)
            if (wanted_.contains(value)) add(value, owner + "." + name.append(closing));
    }

    void add(uint64_t object, std::string name) {
        auto found = wanted_.find(object);
        if (found == wanted_.end()) return;
        auto& referrers = found->second->referrers;
        if (referrers.size() < kMaxReferrers) referrers.push_back(std::move(name));
    }

    const Memory& memory_;
    const Offsets& offsets_;
    objects::Decoder decoder_;
    ObjectReader reader_;
    std::unordered_map<uint64_t, HeapContainer*> wanted_;
};

}  // namespace

void name_referrers(const Memory& memory, const Offsets& offsets, const RuntimeInfo& runtime,
                    const std::vector<uint64_t>& classes, std::vector<HeapContainer>& containers) {
    if (containers.empty()) return;
    Referrers referrers(memory, offsets, containers);
    referrers.modules(runtime.runtime_address);
    referrers.classes(classes);
    referrers.frame_locals(runtime.runtime_address);
}

}  // namespace pyxray
