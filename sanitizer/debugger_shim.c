/* Preloaded after libasan into gdb and lldb when they load pyxray's sanitized plugins.
 *
 * A preloaded libasan initialises lazily, at the first call it intercepts. In gdb that call
 * comes from libp11-kit's constructor inside newlocale(), which holds glibc's locale lock;
 * ASan's start-up then looks up the optional `swift_demangle`, the failed dlsym() translates
 * its message through dcgettext(), which takes and releases the same lock, and gdb deadlocks
 * in setlocale() before main. With the symbol defined the lookup succeeds and no message is
 * made. ASan calls it only for Swift-mangled names, which pyxray has none of. */
#include <stddef.h>
#include <stdint.h>

char* swift_demangle(const char* mangled, size_t length, char* out, size_t* out_length, uint32_t flags) {
    (void)mangled;
    (void)length;
    (void)out;
    (void)out_length;
    (void)flags;
    return NULL;
}
