// py-refwatch's change log and its balances: per site, and per call of the --each-line
// function grouped by the line it returned from.
#include <algorithm>
#include <utility>

#include "pyxray/refwatch.hpp"

namespace pyxray {

RefWatch::RefWatch(uint64_t object, std::string type, Refcount initial, std::optional<size_t> max_changes)
    : object_(object), type_(std::move(type)), initial_(initial), last_(initial), max_changes_(max_changes) {}

SourceSite RefWatch::change_site(const SourceSite& site, StopKind kind,
                                 const std::optional<SourceSite>& python) const {
    // Between two calls only the caller ran: the change is the Python side's.
    if (kind == StopKind::Entry) return python.value_or(site);
    // A line breakpoint stops before its line runs: the change is the previous line's doing.
    if ((kind == StopKind::Line || kind == StopKind::Exit) && previous_line_) return *previous_line_;
    return site;
}

void RefWatch::note_call(const SourceSite& site, StopKind kind, const Refcount& now) {
    switch (kind) {
        case StopKind::Entry:
            call_entry_ = now;
            previous_line_ = site;
            return;
        case StopKind::Line:
            previous_line_ = site;
            return;
        case StopKind::Exit:
            if (call_entry_ && previous_line_) {
                ReturnBalance& balance = returns_[*previous_line_];
                balance.site = *previous_line_;
                ++balance.calls;
                balance.net += now.value - call_entry_->value;
            }
            call_entry_.reset();
            previous_line_.reset();
            return;
        case StopKind::Other:
            return;
    }
}

std::string RefWatch::record(const SourceSite& site, StopKind kind, const Refcount& now,
                             const std::optional<SourceSite>& python) {
    ++stops_;
    std::string line;
    if (changed(now)) {
        RefChange change{last_, now, change_site(site, kind, python), python};
        SiteBalance& balance = sites_[change.site];
        balance.site = change.site;
        int64_t delta = now.value - last_.value;
        (delta > 0 ? balance.increments : balance.decrements) +=
            static_cast<size_t>(delta > 0 ? delta : -delta);
        balance.net += delta;
        line = render_change(change);
        changes_.push_back(std::move(change));
        last_ = now;
    }
    note_call(site, kind, now);
    return line;
}

void RefWatch::end(RefwatchEnd reason, std::string detail) {
    end_ = reason;
    end_detail_ = std::move(detail);
}

std::vector<SiteBalance> RefWatch::sites() const {
    std::vector<SiteBalance> out;
    for (const auto& [site, balance] : sites_) out.push_back(balance);
    return out;
}

std::vector<ReturnBalance> RefWatch::returns() const {
    std::vector<ReturnBalance> out;
    for (const auto& [site, balance] : returns_) out.push_back(balance);
    return out;
}

std::vector<ReturnBalance> RefWatch::leaky_returns() const {
    std::vector<ReturnBalance> out;
    for (const auto& balance : returns())
        if (balance.net > 0) out.push_back(balance);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.net > b.net; });
    return out;
}

}  // namespace pyxray
