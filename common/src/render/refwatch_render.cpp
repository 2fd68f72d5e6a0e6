// py-refcnt's and py-refwatch's text and JSON ({"pyxray": 1, "refwatch": ...}: fields are
// never renamed).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pyxray/refwatch.hpp"
#include "pyxray/render.hpp"

namespace pyxray {

namespace {

using Json = nlohmann::ordered_json;

std::string count_text(const Refcount& count) {
    return count.immortal ? fmt::format("{} (immortal)", count.value) : std::to_string(count.value);
}

std::string site_text(const SourceSite& site) {
    if (site.function.empty()) return fmt::format("{}:{}", printable_text(site.file), site.line);
    return fmt::format("{} ({}:{})", printable_text(site.function), printable_text(site.file), site.line);
}

const char* end_text(RefwatchEnd reason) {
    switch (reason) {
        case RefwatchEnd::Count:
            return "the --count of changes was reached";
        case RefwatchEnd::Freed:
            return "the object was freed";
        case RefwatchEnd::Exited:
            return "the target exited";
        case RefwatchEnd::Interrupted:
            return "interrupted";
        case RefwatchEnd::OtherBreakpoint:
            return "the target stopped at another breakpoint";
        case RefwatchEnd::OtherStop:
            return "the target stopped for another reason";
        case RefwatchEnd::Error:
            return "an error";
    }
    return "?";
}

Json site_json(const SourceSite& site) { return Json{{"file", site.file}, {"line", site.line}}; }

// An exact quotient stays an integer in the JSON.
Json per_call(const ReturnBalance& balance) {
    if (balance.calls == 0) return 0;
    if (balance.net % static_cast<int64_t>(balance.calls) == 0)
        return balance.net / static_cast<int64_t>(balance.calls);
    return static_cast<double>(balance.net) / static_cast<double>(balance.calls);
}

std::string per_call_text(const ReturnBalance& balance) {
    return (balance.net > 0 ? "+" : "") + per_call(balance).dump();
}

}  // namespace

std::string render_refcnt_text(const RefcntReport& report) {
    return fmt::format("{:#x}: refcnt {}, type {}, {}\n", report.address, count_text(report.refcount),
                       printable_text(report.type), printable_text(report.repr));
}

std::string render_refcnt_json(const RefcntReport& report) {
    Json out{{"pyxray", 1},
             {"refcnt",
              {{"object", fmt::format("{:#x}", report.address)},
               {"refcount", report.refcount.value},
               {"immortal", report.refcount.immortal},
               {"type", report.type},
               {"repr", report.repr}}}};
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_change(const RefChange& change) {
    std::string line = fmt::format("refcnt {} -> {} at {}", count_text(change.old_count),
                                   count_text(change.new_count), site_text(change.site));
    if (change.python)
        line += fmt::format(" <- {}:{}", printable_text(change.python->file), change.python->line);
    return line + "\n";
}

std::string RefWatch::render_text() const {
    std::string out =
        fmt::format("py-refwatch: {:#x} ({}), refcnt {} -> {}: {} change(s); ended: {}{}\n", object_,
                    printable_text(type_), count_text(initial_), count_text(last_), changes_.size(),
                    end_text(end_), end_detail_.empty() ? "" : " (" + end_detail_ + ")");
    // A hardware watchpoint that never fires looks like an object nobody touched.
    if (end_ == RefwatchEnd::Exited && stops_ == 0)
        out +=
            "note: the target ran to its end without stopping once: the --each-line function was "
            "never called, or no hardware watchpoint fired (some VMs give a traced process no debug "
            "registers; then watch with --each-line FUNCTION, which uses breakpoints)\n";
    auto leaky = leaky_returns();
    for (const auto& balance : leaky)
        out += fmt::format("LEAKY RETURN {}: {} call(s), net {} per call\n", site_text(balance.site),
                           balance.calls, per_call_text(balance));
    if (!returns_.empty() && leaky.empty()) out += "no leaky return: every return path is balanced\n";
    if (!sites_.empty()) out += "per site:  increments  decrements  net\n";
    for (const auto& balance : sites())
        out += fmt::format("  {}  +{}  -{}  {:+}\n", site_text(balance.site), balance.increments,
                           balance.decrements, balance.net);
    if (!returns_.empty()) out += "per return line:  calls  net\n";
    for (const auto& balance : returns())
        out += fmt::format("  {}  {}  {:+}\n", site_text(balance.site), balance.calls, balance.net);
    return out;
}

std::string RefWatch::render_json() const {
    Json changes = Json::array(), sites_out = Json::array(), leaky = Json::array(),
         returns_out = Json::array();
    for (const auto& change : changes_) {
        Json entry{{"old", change.old_count.value},    {"new", change.new_count.value},
                   {"file", change.site.file},         {"line", change.site.line},
                   {"function", change.site.function}, {"python", nullptr}};
        if (change.python) entry["python"] = site_json(*change.python);
        changes.push_back(std::move(entry));
    }
    for (const auto& balance : sites())
        sites_out.push_back({{"file", balance.site.file},
                             {"line", balance.site.line},
                             {"increments", balance.increments},
                             {"decrements", balance.decrements},
                             {"net", balance.net}});
    for (const auto& balance : leaky_returns())
        leaky.push_back({{"file", balance.site.file},
                         {"line", balance.site.line},
                         {"function", balance.site.function},
                         {"calls", balance.calls},
                         {"net_per_call", per_call(balance)}});
    for (const auto& balance : returns())
        returns_out.push_back({{"file", balance.site.file},
                               {"line", balance.site.line},
                               {"function", balance.site.function},
                               {"calls", balance.calls},
                               {"net", balance.net}});
    Json out{{"pyxray", 1},
             {"refwatch",
              {{"object", fmt::format("{:#x}", object_)},
               {"type", type_},
               {"initial", initial_.value},
               {"final", last_.value},
               {"immortal", last_.immortal},
               {"ended", end_text(end_)},
               {"stops", stops_},
               {"end_detail", end_detail_.empty() ? Json(nullptr) : Json(end_detail_)},
               {"changes", std::move(changes)},
               {"sites", std::move(sites_out)},
               {"leaky_returns", std::move(leaky)},
               {"returns", std::move(returns_out)}}}};
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pyxray
