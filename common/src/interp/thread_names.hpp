// Python's names for its threads, from the target's own `threading` module, decoded from
// memory (so they are right in a core from another machine): sys.modules["threading"]._active
// maps each running thread's ident (pthread_self(), which PyThreadState.thread_id holds) to its
// Thread object, whose `_name` is the name; `_main_thread` is the main thread's. Foreign threads
// that called into Python show as the _DummyThread ("Dummy-N") threading made for them, as
// Python itself shows them. Threads started with _thread.start_new_thread are not there.
//
// `Reader` is objects::ObjectReader (objects/object_reader.hpp), or a fake in unit tests.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace pyxray {

constexpr size_t kMaxNamedThreads = 65536;
constexpr size_t kMaxThreadNameChars = 256;

struct ThreadNames {
    std::unordered_map<uint64_t, std::string> by_ident;
    // Idents whose name is a _DummyThread's ("Dummy-N"): threading's stand-in for a thread it
    // did not start. A subinterpreter makes one for the OS thread that runs code in it, while
    // the interpreter that started the thread knows its real name; that one wins (add_names).
    std::unordered_set<uint64_t> dummies;
    std::string note;  // why some or all names could not be read, empty when all were
};

// Adds `found` (another interpreter's names) to `names`: a thread's real name replaces a
// dummy one, otherwise the first name found stays.
inline void add_names(ThreadNames& names, ThreadNames found) {
    for (auto& [ident, name] : found.by_ident) {
        bool dummy = found.dummies.contains(ident);
        auto known = names.by_ident.find(ident);
        if (known != names.by_ident.end() && !(names.dummies.contains(ident) && !dummy)) continue;
        names.by_ident[ident] = std::move(name);
        if (dummy)
            names.dummies.insert(ident);
        else
            names.dummies.erase(ident);
    }
    if (names.note.empty()) names.note = std::move(found.note);
}

namespace thread_names_detail {

template <class Reader>
void add_thread(const Reader& reader, uint64_t ident, uint64_t thread, ThreadNames& out) {
    auto name = reader.attribute(thread, "_name");
    if (!name || !*name) {
        if (out.note.empty())
            out.note = fmt::format("the Thread object at {:#x} has no readable _name{}", thread,
                                   name ? "" : ": " + name.error().message);
        return;
    }
    auto text = reader.str_value(**name, kMaxThreadNameChars);
    if (!text) {
        if (out.note.empty()) out.note = "a thread's _name is unreadable: " + text.error().message;
        return;
    }
    if (!out.by_ident.emplace(ident, std::move(*text)).second) return;
    auto type = reader.type_name(thread);
    if (type && *type == "_DummyThread") out.dummies.insert(ident);
}

template <class Reader>
void add_main_thread(const Reader& reader, uint64_t module, ThreadNames& out) {
    auto main = reader.attribute(module, "_main_thread");
    if (!main || !*main) return;
    auto ident = reader.attribute(**main, "_ident");
    if (!ident || !*ident) return;
    auto value = reader.int_value(**ident);
    if (!value) return;
    if (!out.by_ident.contains(static_cast<uint64_t>(*value)))
        add_thread(reader, static_cast<uint64_t>(*value), **main, out);
}

}  // namespace thread_names_detail

// `modules` is the interpreter's sys.modules dict. Never fails: a note says what was missing.
template <class Reader>
ThreadNames read_thread_names(const Reader& reader, uint64_t modules) {
    using namespace thread_names_detail;
    ThreadNames out;
    if (modules == 0) {
        out.note = "sys.modules is unreadable";
        return out;
    }
    auto module = reader.dict_get(modules, "threading");
    if (!module || !*module) {
        out.note = module ? "the threading module is not imported"
                          : "sys.modules is unreadable: " + module.error().message;
        return out;
    }
    auto active = reader.attribute(**module, "_active");
    if (!active || !*active) {
        out.note = "threading._active is unreadable";
        return out;
    }
    auto items = reader.dict_items(**active, kMaxNamedThreads);
    if (!items) {
        out.note = "threading._active is unreadable: " + items.error().message;
    } else {
        for (const auto& [key, thread] : *items) {
            auto ident = reader.int_value(key);
            if (ident) add_thread(reader, static_cast<uint64_t>(*ident), thread, out);
        }
    }
    add_main_thread(reader, **module, out);
    return out;
}

}  // namespace pyxray
