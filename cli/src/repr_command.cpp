#include "repr_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "help.hpp"
#include "pyxray/session.hpp"

namespace pyxray::cli {

namespace {

// "0x7f..." or decimal (what Python's id() prints).
Result<uint64_t> parse_address(const std::string& text) {
    bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    std::string digits = hex ? text.substr(2) : text;
    if (digits.empty()) return fail(ErrorCode::InvalidArgument, fmt::format("bad address '{}'", text));
    uint64_t value = 0;
    for (char c : digits) {
        int digit = c >= '0' && c <= '9'          ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
        uint64_t base = hex ? 16 : 10;
        if (digit < 0 || value > (UINT64_MAX - static_cast<uint64_t>(digit)) / base)
            return fail(ErrorCode::InvalidArgument, fmt::format("bad address '{}'", text));
        value = value * base + static_cast<uint64_t>(digit);
    }
    return value;
}

struct Output {
    std::string text;
    bool all_objects = true;
};

// Everything is decoded while the target is stopped; the text is written after it resumes.
Result<Output> decode(const ReprArguments& args, const std::vector<uint64_t>& addresses) {
    PYXRAY_TRY(target, open_target(args.target));
    PYXRAY_TRY(session, Session::open(*target));
    std::vector<ObjectRepr> objects;
    Output output;
    for (uint64_t address : addresses) {
        auto object = session.repr(address, args.limits);
        if (object) {
            objects.push_back(std::move(*object));
        } else {
            objects.push_back(ObjectRepr{address, std::nullopt, std::nullopt, object.error().message});
            output.all_objects = false;
        }
    }
    output.text = args.json ? render_repr_json(objects) : render_repr_text(objects);
    return output;
}

}  // namespace

CLI::App* add_repr_command(CLI::App& app, ReprArguments& args) {
    CLI::App* repr = app.add_subcommand(
        "repr", "Safe repr() of objects in a live process or a core dump, read without running code");
    TargetOptionHandles handles = add_target_options(*repr, args.target, false);
    repr->add_option("--max-string", args.limits.max_string, "Characters of a str (bytes of a bytes) shown")
        ->capture_default_str();
    repr->add_option("--max-items", args.limits.max_items, "Items of a container shown")
        ->capture_default_str();
    repr->add_option("--max-depth", args.limits.max_depth, "Nesting levels of containers shown")
        ->capture_default_str();
    repr->add_flag("--verbose", args.limits.verbose, "Also show the attributes of instances of user classes");
    repr->add_flag("--json", args.json, "Print one JSON document instead of text");
    add_examples(*repr, {"pyxray repr --pid 1234 0x7f3a2c1b4e40", "pyxray repr 1234 0x7f3a2c1b4e40",
                         "pyxray repr --core core.1234 --json 140031 140044"});
    repr->add_option("address", args.addresses,
                     "[TARGET] object addresses: 0x-prefixed hex or decimal (as id() prints); without "
                     "--pid or --core the first word is the target (a pid or a core)")
        ->required();
    repr->callback([&args, handles] {
        bool named = handles.pid->count() > 0 || handles.core->count() > 0;
        if (!named && args.addresses.size() > 1) {
            take_positional_target(args.addresses.front(), args.target);
            args.addresses.erase(args.addresses.begin());
        }
        check_target_options(handles, args.target, "repr");
    });
    return repr;
}

int run_repr_command(const ReprArguments& args) {
    std::vector<uint64_t> addresses;
    for (const auto& text : args.addresses) {
        auto address = parse_address(text);
        if (!address) {
            std::fprintf(stderr, "pyxray: %s\n", address.error().message.c_str());
            return EXIT_FAILURE;
        }
        addresses.push_back(*address);
    }
    auto output = decode(args, addresses);
    if (!output) {
        std::fprintf(stderr, "pyxray: %s\n", output.error().message.c_str());
        return EXIT_FAILURE;
    }
    std::fwrite(output->text.data(), 1, output->text.size(), stdout);
    if (std::fflush(stdout) != 0) return EXIT_FAILURE;
    return output->all_objects ? EXIT_SUCCESS : EXIT_FAILURE;
}

}  // namespace pyxray::cli
