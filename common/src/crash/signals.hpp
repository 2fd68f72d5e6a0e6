// Names for the signals and si_codes a crashed process's core records, and which signals
// mean the process died of them.
#pragma once

#include <optional>
#include <string>

namespace pyxray {

// "SIGSEGV"; "signal N" for a number the C library has no name for.
std::string signal_name(int signo);
// The si_code's name ("SEGV_MAPERR", "SI_TKILL"); "code N" for one without a name.
std::string signal_code_name(int signo, int code);
// False for what a debugger records in a core it wrote from a process that did not die:
// nothing (0), the stop it caused (SIGSTOP, SIGTRAP, SIGINT from Ctrl-C) and the job-control
// and notification signals whose default action is not to terminate.
bool is_fatal_signal(int signo);

}  // namespace pyxray
