#include "symbol_backend.hpp"

#include <fmt/format.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <utility>

#include "command_support.hpp"
#include "sb_module_symbols.hpp"

namespace pyxray::lldb_plugin {
namespace {

constexpr const char* kEnvironmentVariable = "PYXRAY_LLDB_BACKEND";
constexpr const char* kValidNames = "auto, direct, sbapi";

constexpr std::array<std::pair<std::string_view, SymbolBackend>, 3> kNames = {{
    {"auto", SymbolBackend::Auto},
    {"direct", SymbolBackend::Direct},
    {"sbapi", SymbolBackend::SbApi},
}};

SymbolBackend g_chosen = SymbolBackend::Auto;

std::optional<SymbolBackend> parse_backend(std::string_view name) {
    for (const auto& [spelling, backend] : kNames)
        if (spelling == name) return backend;
    return std::nullopt;
}

std::string_view name_of(SymbolBackend backend) {
    for (const auto& [spelling, value] : kNames)
        if (value == backend) return spelling;
    return "?";
}

std::string triple_of(lldb::SBTarget& target) {
    const char* triple = target.GetTriple();
    return triple != nullptr ? triple : "";
}

// LLDB names a Linux target's OS in its triple ("x86_64-unknown-linux-gnu"), live or core.
bool is_linux(const std::string& triple) { return triple.find("-linux") != std::string::npos; }

std::string describe_choice(lldb::SBTarget& target) {
    std::string chosen(name_of(g_chosen));
    if (!target.IsValid()) return fmt::format("{} (no target yet)", chosen);
    std::string triple = triple_of(target);
    std::string used(name_of(backend_for(target)));
    if (g_chosen != SymbolBackend::Auto) return fmt::format("{} (target {})", chosen, triple);
    return fmt::format("auto: {} for target {}", used, triple.empty() ? "of unknown triple" : triple);
}

Result<std::string> run_backend(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    if (words.size() > 1)
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("takes one of {}, not {} words", kValidNames, words.size()));
    if (words.size() == 1) {
        auto backend = parse_backend(words[0]);
        if (!backend)
            return fail(ErrorCode::InvalidArgument,
                        fmt::format("unknown backend '{}'; valid: {}", words[0], kValidNames));
        g_chosen = *backend;
    }
    lldb::SBTarget target = debugger.GetSelectedTarget();
    return fmt::format("pyxray symbol backend: {}; {} look-ups answered by LLDB's module view so far",
                       describe_choice(target), lookups_answered_by_lldb());
}

class BackendCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, "py-backend", [&] { return run_backend(debugger, command); });
    }
};

}  // namespace

SymbolBackend chosen_backend() { return g_chosen; }

SymbolBackend backend_for(lldb::SBTarget& target) {
    if (g_chosen != SymbolBackend::Auto) return g_chosen;
    return is_linux(triple_of(target)) ? SymbolBackend::Direct : SymbolBackend::SbApi;
}

std::string backend_from_environment() {
    const char* value = std::getenv(kEnvironmentVariable);
    if (value == nullptr || *value == '\0') return {};
    auto backend = parse_backend(value);
    if (!backend)
        return fmt::format("pyxray: {}={} is not one of {}; using auto", kEnvironmentVariable, value,
                           kValidNames);
    g_chosen = *backend;
    return {};
}

bool add_backend_command(lldb::SBCommandInterpreter& interpreter) {
    return add_described_command(interpreter, "py-backend", new BackendCommand);
}

}  // namespace pyxray::lldb_plugin
