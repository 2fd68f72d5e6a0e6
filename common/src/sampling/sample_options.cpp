#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "pyxray/command_help.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

// Without --duration or --samples: an hour at the requested rate, so a forgotten sampler ends.
constexpr double default_limit_s = 3600;

pyxray::unexpected<Error> usage_error(const std::string& what) {
    return fail(ErrorCode::InvalidArgument, fmt::format("py-sample: {}; usage: {}", what, kSampleUsage));
}

Result<double> positive_number(const std::string& option, const std::string* word) {
    double value = 0;
    if (word) {
        auto [end, error] = std::from_chars(word->data(), word->data() + word->size(), value);
        if (error == std::errc() && end == word->data() + word->size() && std::isfinite(value) && value > 0)
            return value;
    }
    return usage_error(
        fmt::format("{} needs a positive number, not '{}'", option, word ? *word : std::string("nothing")));
}

}  // namespace

Result<SampleFormat> parse_sample_format(std::string_view word) {
    if (word == "text") return SampleFormat::Text;
    if (word == "folded") return SampleFormat::Folded;
    if (word == "speedscope") return SampleFormat::Speedscope;
    if (word == "html") return SampleFormat::Html;
    return usage_error(fmt::format("--format is text, folded, speedscope or html, not '{}'", word));
}

Result<SampleMode> parse_sample_mode(std::string_view word) {
    if (word == "wall") return SampleMode::Wall;
    if (word == "cpu") return SampleMode::Cpu;
    if (word == "gil") return SampleMode::Gil;
    return usage_error(fmt::format("--mode is wall, cpu or gil, not '{}'", word));
}

std::string_view sample_mode_name(SampleMode mode) {
    switch (mode) {
        case SampleMode::Cpu:
            return "cpu";
        case SampleMode::Gil:
            return "gil";
        case SampleMode::Wall:
            break;
    }
    return "wall";
}

Result<void> check_sample_mode(const SampleOptions& options, const RuntimeInfo& runtime) {
    if (options.mode == SampleMode::Gil && runtime.free_threaded)
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("py-sample: --mode gil does not apply to Python {}: it is free-threaded, "
                                "there is no GIL to hold; --mode cpu keeps the threads on a CPU",
                                runtime.version));
    return {};
}

Result<std::vector<SampleOutput>> sample_outputs_of(const SampleOptions& options) {
    constexpr std::pair<std::string_view, SampleFormat> extensions[] = {
        {".folded", SampleFormat::Folded},
        {".speedscope.json", SampleFormat::Speedscope},
        {".html", SampleFormat::Html},
        {".txt", SampleFormat::Text}};
    std::vector<SampleOutput> outputs;
    for (const std::string& path : options.output_paths) {
        std::optional<SampleFormat> format = options.format;
        for (const auto& [extension, named] : extensions)
            if (!format && path.ends_with(extension)) format = named;
        if (!format)
            return fail(
                ErrorCode::InvalidArgument,
                fmt::format("cannot tell the format of '{}' from its name (.folded, .speedscope.json, "
                            ".html or .txt); give --format",
                            path));
        outputs.push_back({path, *format});
    }
    return outputs;
}

Result<SampleOptions> parse_sample_options(const std::vector<std::string>& words) {
    SampleOptions options;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& word = words[i];
        const std::string* value = i + 1 < words.size() ? &words[i + 1] : nullptr;
        if (word == "--python-only" || word == "--idle") {
            (word == "--idle" ? options.idle : options.python_only) = true;
            continue;
        }
        if (word == "--rate") {
            PYXRAY_TRY(rate, positive_number(word, value));
            options.rate_hz = rate;
        } else if (word == "--duration") {
            PYXRAY_TRY(duration, positive_number(word, value));
            options.duration_s = duration;
        } else if (word == "--samples") {
            PYXRAY_TRY(count, positive_number(word, value));
            options.samples = static_cast<size_t>(count);
        } else if (word == "--slow") {
            PYXRAY_TRY(slow, positive_number(word, value));
            options.slow_ms = slow;
        } else if (word == "--threads") {
            if (!value || (*value != "all" && *value != "current"))
                return usage_error("--threads is all or current");
            options.all_threads = *value == "all";
        } else if (word == "-o" || word == "--output") {
            if (!value) return usage_error(word + " needs a file name");
            options.output_paths.push_back(*value);
        } else if (word == "--format") {
            PYXRAY_TRY(format, parse_sample_format(value ? *value : std::string()));
            options.format = format;
        } else if (word == "--mode") {
            PYXRAY_TRY(mode, parse_sample_mode(value ? *value : std::string()));
            options.mode = mode;
        } else {
            return fail(
                ErrorCode::InvalidArgument,
                fmt::format("py-sample: {}", unknown_option_message(*find_command_help("py-sample"), word)));
        }
        ++i;
    }
    if (options.duration_s && options.samples) return usage_error("give --duration or --samples, not both");
    if (auto outputs = sample_outputs_of(options); !outputs) return usage_error(outputs.error().message);
    return options;
}

size_t sample_limit(const SampleOptions& options) {
    if (options.samples) return *options.samples;
    double seconds = options.duration_s.value_or(default_limit_s);
    return static_cast<size_t>(std::ceil(seconds * options.rate_hz)) + 1;
}

}  // namespace pyxray
