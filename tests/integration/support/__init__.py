"""What the integration tests share: drivers for gdb, LLDB and the CLI, the target processes and
cores, the interpreters of the matrix, fixture records."""
