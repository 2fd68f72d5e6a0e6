// The LLDB plugin's core/live classifier over every process plugin name LLDB 16 has (as
// `strings /usr/lib/llvm-16/lib/liblldb.so.1` lists them) and the names of other LLDBs.
#include <gtest/gtest.h>

#include "process_kind.hpp"

using pyxray::lldb_plugin::is_core_process_plugin;

TEST(LldbProcessKind, CorePluginsOfLldb16AreCores) {
    EXPECT_TRUE(is_core_process_plugin("elf-core"));
    EXPECT_TRUE(is_core_process_plugin("mach-o-core"));  // macOS cores; not "mach-core"
    EXPECT_TRUE(is_core_process_plugin("minidump"));
    EXPECT_TRUE(is_core_process_plugin("freebsd-kernel"));
}

TEST(LldbProcessKind, LivePluginsOfLldb16AreLive) {
    EXPECT_FALSE(is_core_process_plugin("gdb-remote"));
    EXPECT_FALSE(is_core_process_plugin("kdp-remote"));
    EXPECT_FALSE(is_core_process_plugin("wasm"));
    EXPECT_FALSE(is_core_process_plugin("ScriptedProcess"));
    EXPECT_FALSE(is_core_process_plugin("windows"));
    EXPECT_FALSE(is_core_process_plugin(""));
}

TEST(LldbProcessKind, AnUnknownPluginNamedAsACoreIsACore) {
    EXPECT_TRUE(is_core_process_plugin("mach-core"));
    EXPECT_TRUE(is_core_process_plugin("some-future-core"));
    EXPECT_FALSE(is_core_process_plugin("core-remote"));
}
