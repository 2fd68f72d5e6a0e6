// Crash triage on synthetic bytes: NT_SIGINFO / NT_PRSTATUS / NT_PRPSINFO decoding, signal and
// code names, the crashing thread first, and each thread state's exception in every layout
// (3.14 and 3.15 have no interpreter to run: these images are their only check).
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/procfs.h>

#include <csignal>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "crash/crash.hpp"
#include "crash/signals.hpp"
#include "interp/thread_exception.hpp"
#include "memory/core_notes.hpp"
#include "object_image.hpp"

namespace pyxray {
namespace {

template <class T>
std::span<const std::byte> bytes_of(const T& value) {
    return std::span(reinterpret_cast<const std::byte*>(&value), sizeof value);
}

void add_thread(CoreNotes& notes, int tid, int cursig) {
    elf_prstatus status{};
    status.pr_pid = tid;
    status.pr_cursig = static_cast<short>(cursig);
    add_core_note(NT_PRSTATUS, bytes_of(status), notes);
}

void add_siginfo(CoreNotes& notes, int signo, int code, uint64_t address) {
    siginfo_t info{};
    info.si_signo = signo;
    info.si_code = code;
    info.si_addr = reinterpret_cast<void*>(address);
    add_core_note(NT_SIGINFO, bytes_of(info), notes);
}

TEST(CoreNotesSignal, KernelLayoutTheFirstThreadsSiginfo) {
    CoreNotes notes;
    add_thread(notes, 100, SIGSEGV);
    elf_prpsinfo info{};
    std::strcpy(info.pr_psargs, "python3 crash.py null_deref ");
    add_core_note(NT_PRPSINFO, bytes_of(info), notes);
    add_siginfo(notes, SIGSEGV, SEGV_MAPERR, 0);
    add_thread(notes, 101, SIGSEGV);
    auto signal = core_signal(notes);
    ASSERT_TRUE(signal);
    EXPECT_EQ(signal->signo, SIGSEGV);
    EXPECT_EQ(signal->code, SEGV_MAPERR);
    EXPECT_EQ(signal->address, 0u);
    EXPECT_EQ(signal->tid, 100);
    EXPECT_EQ(notes.command_line, "python3 crash.py null_deref");
}

TEST(CoreNotesSignal, GdbLayoutOneSiginfoPerThreadKeepsTheFirst) {
    CoreNotes notes;
    add_thread(notes, 200, SIGSTOP);
    add_siginfo(notes, SIGSTOP, SI_USER, 0x1234);
    add_thread(notes, 201, SIGSTOP);
    add_siginfo(notes, SIGSEGV, SEGV_ACCERR, 0xdead);
    auto signal = core_signal(notes);
    ASSERT_TRUE(signal);
    EXPECT_EQ(signal->signo, SIGSTOP);
    EXPECT_EQ(signal->tid, 200);
    EXPECT_FALSE(signal->address);  // not a fault signal
}

TEST(CoreNotesSignal, RaisedFaultSignalHasNoAddress) {
    CoreNotes notes;
    add_thread(notes, 300, SIGSEGV);
    add_siginfo(notes, SIGSEGV, SI_TKILL, 0x0000000100000abc);  // pid and uid, not an address
    auto signal = core_signal(notes);
    ASSERT_TRUE(signal);
    EXPECT_EQ(signal->code, SI_TKILL);
    EXPECT_FALSE(signal->address);
}

TEST(CoreNotesSignal, WithoutSiginfoThePrCursigOfTheFirstThread) {
    CoreNotes notes;
    EXPECT_FALSE(core_signal(notes));
    add_siginfo(notes, SIGSEGV, SEGV_MAPERR, 0);  // before any thread: belongs to none
    add_thread(notes, 400, SIGABRT);
    add_core_note(NT_SIGINFO, std::span<const std::byte>(), notes);  // too short: ignored
    add_thread(notes, 401, 0);
    auto signal = core_signal(notes);
    ASSERT_TRUE(signal);
    EXPECT_EQ(signal->signo, SIGABRT);
    EXPECT_EQ(signal->tid, 400);
    EXPECT_FALSE(signal->code);
    EXPECT_FALSE(signal->address);
}

TEST(CrashSignals, NamesAndFatality) {
    EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
    EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");
    EXPECT_EQ(signal_name(1000), "signal 1000");
    EXPECT_EQ(signal_code_name(SIGSEGV, SEGV_MAPERR), "SEGV_MAPERR");
    EXPECT_EQ(signal_code_name(SIGBUS, BUS_ADRERR), "BUS_ADRERR");
    EXPECT_EQ(signal_code_name(SIGFPE, FPE_INTDIV), "FPE_INTDIV");
    EXPECT_EQ(signal_code_name(SIGABRT, SI_TKILL), "SI_TKILL");
    EXPECT_EQ(signal_code_name(SIGSEGV, SI_USER), "SI_USER");
    EXPECT_EQ(signal_code_name(SIGABRT, SEGV_MAPERR), "code 1");  // positive codes are per signal
    EXPECT_TRUE(is_fatal_signal(SIGSEGV));
    EXPECT_TRUE(is_fatal_signal(SIGKILL));
    for (int quiet : {0, SIGSTOP, SIGTRAP, SIGINT, SIGCHLD, -1, 100000})
        EXPECT_FALSE(is_fatal_signal(quiet)) << quiet;
}

ThreadStack stack_of(int64_t tid) {
    ThreadStack stack;
    stack.tid = tid;
    return stack;
}

TEST(CrashSignals, CrashingThreadFirstOthersInOrder) {
    Snapshot snapshot;
    for (int64_t tid : {10, 11, 12, 13}) snapshot.threads.push_back(stack_of(tid));
    snapshot.target.signal = TargetSignal{SIGSEGV, SEGV_MAPERR, 0, 12};
    put_crashing_thread_first(snapshot);
    ASSERT_TRUE(snapshot.crash);
    EXPECT_EQ(snapshot.crash->signal, "SIGSEGV");
    EXPECT_EQ(snapshot.crash->code_name, "SEGV_MAPERR");
    std::vector<int64_t> order;
    for (const auto& thread : snapshot.threads) order.push_back(thread.tid);
    EXPECT_EQ(order, (std::vector<int64_t>{12, 10, 11, 13}));
    EXPECT_TRUE(snapshot.threads[0].crashed);
    EXPECT_FALSE(snapshot.threads[1].crashed);

    Snapshot stopped;
    stopped.threads.push_back(stack_of(1));
    stopped.target.signal = TargetSignal{SIGSTOP, SI_USER, std::nullopt, 1};
    put_crashing_thread_first(stopped);
    EXPECT_FALSE(stopped.crash);  // gcore of a running process
    EXPECT_FALSE(stopped.threads[0].crashed);
}

struct Version {
    const char* name;
    const Offsets& (*table)();
    int minor;
};

const Version kVersions[] = {
    {"3.8", offsets_3_8, 8},      {"3.9", offsets_3_9, 9},      {"3.10", offsets_3_10, 10},
    {"3.11", offsets_3_11, 11},   {"3.12", offsets_3_12, 12},   {"3.13", offsets_3_13, 13},
    {"3.13t", offsets_3_13t, 13}, {"3.14", offsets_3_14, 14},   {"3.14t", offsets_3_14t, 14},
    {"3.15", offsets_3_15, 15},   {"3.15t", offsets_3_15t, 15},
};

class ThreadExceptions : public ::testing::TestWithParam<Version> {};

// A thread state with room for every field, an exception stack of `items` (each an exc_value),
// and optionally an exception being raised.
struct ExceptionImage {
    explicit ExceptionImage(const Offsets& offsets) : image(offsets), e(*offsets.exception_state) {
        tstate = image.alloc(4096);
        value_error = image.type_object("ValueError", type_flags::kBaseExceptionSubclass);
        key_error = image.type_object("KeyError", type_flags::kBaseExceptionSubclass);
    }
    uint64_t exception(uint64_t type, const std::vector<uint64_t>& args) {
        const Offsets& o = image.offsets();
        uint64_t object = image.object(type, o.objects.exception_object.args + 64);
        image.put<uint64_t>(object + o.objects.exception_object.args, image.tuple(args));
        return object;
    }
    void stack(const std::vector<uint64_t>& values) {  // innermost first
        uint64_t previous = 0;
        for (auto value = values.rbegin(); value != values.rend(); ++value) {
            uint64_t item = image.alloc(64);
            image.put<uint64_t>(item + e.item_value, *value);
            image.put<uint64_t>(item + e.item_previous, previous);
            previous = item;
        }
        image.put<uint64_t>(tstate + e.exc_info, previous);
    }
    Result<std::optional<ThreadException>> read() {
        memory = image.finish();
        ObjectReader objects(*memory, image.offsets());
        return read_thread_exception(*memory, image.offsets(), objects, tstate);
    }
    synthetic::ObjectImage image;
    const ExceptionStateOffsets& e;
    uint64_t tstate = 0, value_error = 0, key_error = 0;
    std::unique_ptr<BufferMemory> memory;
};

TEST_P(ThreadExceptions, TheInnermostHandledOneSkippingEmptyItems) {
    ExceptionImage x(GetParam().table());
    uint64_t inner = x.exception(x.value_error, {x.image.str("bad value")});
    uint64_t outer = x.exception(x.key_error, {x.image.str("k")});
    x.stack({0, x.image.none(), inner, outer});  // a generator's empty items first
    auto got = x.read();
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_TRUE(*got);
    EXPECT_EQ((*got)->state, ThreadException::State::Handling);
    EXPECT_EQ((*got)->type, "ValueError");
    EXPECT_EQ((*got)->message, "bad value");
}

TEST_P(ThreadExceptions, NoneWithoutExceptionsAndMessagesOfOtherArguments) {
    ExceptionImage empty(GetParam().table());
    empty.stack({0});
    auto none = empty.read();
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_FALSE(*none);

    ExceptionImage x(GetParam().table());
    x.stack({x.exception(x.value_error, {x.image.str("a"), x.image.small_int(2)})});
    auto two = x.read();
    ASSERT_TRUE(two && *two);
    EXPECT_EQ((*two)->message, "('a', 2)");

    ExceptionImage y(GetParam().table());
    y.stack({y.exception(y.value_error, {})});
    auto zero = y.read();
    ASSERT_TRUE(zero && *zero);
    EXPECT_EQ((*zero)->message, "");
}

TEST_P(ThreadExceptions, TheRaisedOneWinsOverTheHandledOne) {
    ExceptionImage x(GetParam().table());
    x.stack({x.exception(x.key_error, {x.image.str("k")})});
    uint64_t raised = x.exception(x.value_error, {x.image.str("now")});
    x.image.put<uint64_t>(x.tstate + x.e.raised_value, raised);
    if (x.e.raised_type) x.image.put<uint64_t>(x.tstate + *x.e.raised_type, x.value_error);
    auto got = x.read();
    ASSERT_TRUE(got && *got);
    EXPECT_EQ((*got)->state, ThreadException::State::Raising);
    EXPECT_EQ((*got)->type, "ValueError");
    EXPECT_EQ((*got)->message, "now");
}

TEST_P(ThreadExceptions, UnnormalizedRaisedValueBefore312) {
    ExceptionImage x(GetParam().table());
    // 3.12+ (gh-102192) keeps only current_exception, always normalized: nothing to check there.
    ASSERT_EQ(x.e.raised_type.has_value(), GetParam().minor < 12);
    if (!x.e.raised_type) return;
    x.stack({0});
    x.image.put<uint64_t>(x.tstate + *x.e.raised_type, x.value_error);
    x.image.put<uint64_t>(x.tstate + x.e.raised_value, x.image.str("plain message"));
    auto got = x.read();
    ASSERT_TRUE(got && *got);
    EXPECT_EQ((*got)->type, "ValueError");
    EXPECT_EQ((*got)->message, "plain message");
}

TEST_P(ThreadExceptions, ALoopingStackIsAnErrorNotAHang) {
    ExceptionImage x(GetParam().table());
    uint64_t item = x.image.alloc(64);
    x.image.put<uint64_t>(item + x.e.item_value, 0);
    x.image.put<uint64_t>(item + x.e.item_previous, item);
    x.image.put<uint64_t>(x.tstate + x.e.exc_info, item);
    auto got = x.read();
    ASSERT_FALSE(got);
    EXPECT_NE(got.error().message.find("loops"), std::string::npos) << got.error().message;
}

INSTANTIATE_TEST_SUITE_P(Crash, ThreadExceptions, ::testing::ValuesIn(kVersions), [](const auto& info) {
    std::string name = info.param.name;
    for (char& c : name)
        if (c == '.') c = '_';
    return "v" + name;
});

}  // namespace
}  // namespace pyxray
