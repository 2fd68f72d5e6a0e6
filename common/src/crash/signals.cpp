#include "crash/signals.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstring>
#include <utility>

namespace pyxray {
namespace {

struct CodeName {
    int code;
    const char* name;
};

#define PYXRAY_CODE(name) \
    CodeName { name, #name }

// The codes the kernel sets for any signal (include/uapi/asm-generic/siginfo.h).
constexpr CodeName kGenericCodes[] = {
    PYXRAY_CODE(SI_USER),  PYXRAY_CODE(SI_KERNEL),  PYXRAY_CODE(SI_QUEUE), PYXRAY_CODE(SI_TIMER),
    PYXRAY_CODE(SI_MESGQ), PYXRAY_CODE(SI_ASYNCIO), PYXRAY_CODE(SI_SIGIO), PYXRAY_CODE(SI_TKILL),
};
constexpr CodeName kSegvCodes[] = {PYXRAY_CODE(SEGV_MAPERR), PYXRAY_CODE(SEGV_ACCERR),
                                   PYXRAY_CODE(SEGV_BNDERR), PYXRAY_CODE(SEGV_PKUERR)};
constexpr CodeName kBusCodes[] = {PYXRAY_CODE(BUS_ADRALN), PYXRAY_CODE(BUS_ADRERR), PYXRAY_CODE(BUS_OBJERR),
                                  PYXRAY_CODE(BUS_MCEERR_AR), PYXRAY_CODE(BUS_MCEERR_AO)};
constexpr CodeName kIllCodes[] = {PYXRAY_CODE(ILL_ILLOPC), PYXRAY_CODE(ILL_ILLOPN), PYXRAY_CODE(ILL_ILLADR),
                                  PYXRAY_CODE(ILL_ILLTRP), PYXRAY_CODE(ILL_PRVOPC), PYXRAY_CODE(ILL_PRVREG),
                                  PYXRAY_CODE(ILL_COPROC), PYXRAY_CODE(ILL_BADSTK)};
constexpr CodeName kFpeCodes[] = {PYXRAY_CODE(FPE_INTDIV), PYXRAY_CODE(FPE_INTOVF), PYXRAY_CODE(FPE_FLTDIV),
                                  PYXRAY_CODE(FPE_FLTOVF), PYXRAY_CODE(FPE_FLTUND), PYXRAY_CODE(FPE_FLTRES),
                                  PYXRAY_CODE(FPE_FLTINV), PYXRAY_CODE(FPE_FLTSUB)};

#undef PYXRAY_CODE

template <size_t N>
const char* find_code(const CodeName (&codes)[N], int code) {
    for (const CodeName& entry : codes)
        if (entry.code == code) return entry.name;
    return nullptr;
}

// Positive codes mean something different for each fault signal; the generic ones are
// SI_USER (0), SI_KERNEL and the negative ones.
const char* fault_code_name(int signo, int code) {
    switch (signo) {
        case SIGSEGV:
            return find_code(kSegvCodes, code);
        case SIGBUS:
            return find_code(kBusCodes, code);
        case SIGILL:
            return find_code(kIllCodes, code);
        case SIGFPE:
            return find_code(kFpeCodes, code);
        default:
            return nullptr;
    }
}

}  // namespace

std::string signal_name(int signo) {
    const char* abbreviation = sigabbrev_np(signo);
    if (abbreviation == nullptr) return fmt::format("signal {}", signo);
    return fmt::format("SIG{}", abbreviation);
}

std::string signal_code_name(int signo, int code) {
    if (const char* name = fault_code_name(signo, code)) return name;
    if (const char* name = find_code(kGenericCodes, code)) return name;
    return fmt::format("code {}", code);
}

bool is_fatal_signal(int signo) {
    switch (signo) {
        case 0:
        case SIGSTOP:
        case SIGTSTP:
        case SIGTTIN:
        case SIGTTOU:
        case SIGCONT:
        case SIGCHLD:
        case SIGTRAP:
        case SIGINT:
        case SIGWINCH:
        case SIGURG:
            return false;
        default:
            return signo > 0 && signo < NSIG;
    }
}

}  // namespace pyxray
