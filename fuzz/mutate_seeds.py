#!/usr/bin/python3
"""mutate_seeds.py CORPUS_DIR: hostile variants of the committed seeds (issue 17 item 9), each a
copy of a real seed with a few target values changed where the decoders size a read with them:

- debian-3.13t.seed -> debug-offsets-straddling-fields.seed: the target's _Py_DebugOffsets table
  (found by its "xdebugpy" cookie) with an 8-byte field (previous) at the last byte before the
  part of the frame pyxray reads, and a 4-byte one (firstlineno) 2 bytes before the code's end;
- pyenv-3.8.seed -> hostile-type-{product,sum}.seed: the heap type `Token` of fixtures/stacks.py
  (found by its tp_name) with a negative tp_dictoffset whose arithmetic overflows.

Run from anywhere with Debian's Python; it rewrites the variants and leaves the seeds alone."""

import struct
import sys
from pathlib import Path

MAGIC = b"PXF1"
# _Py_DebugOffsets of 3.13 (layout/debug_offsets.hpp): byte offsets of the fields changed here.
INTERPRETER_FRAME = 8 * (3 + 3 + 13 + 9)  # after cookie..free_threaded, runtime, interpreter, thread
FRAME_PREVIOUS = INTERPRETER_FRAME + 8
FRAME_LOCALSPLUS = INTERPRETER_FRAME + 32
CODE_OBJECT = INTERPRETER_FRAME + 8 * 6
CODE_FIRSTLINENO = CODE_OBJECT + 8 * 5
CODE_CO_CODE_ADAPTIVE = CODE_OBJECT + 8 * 9
# PyTypeObject of 3.8 (x86-64): tp_name, tp_basicsize, tp_itemsize, tp_dictoffset.
TP_NAME, TP_ITEMSIZE, TP_DICTOFFSET = 24, 40, 288


class Seed:
    """A seed's bytes and where each memory region's bytes sit in them (seed_format.hpp)."""

    def __init__(self, path):
        self.data = bytearray(Path(path).read_bytes())
        assert self.data[:4] == MAGIC, f"{path} is no PXF1 seed"
        at = 4
        count, = struct.unpack_from("<I", self.data, at)
        at += 4
        for _ in range(count):  # modules
            length, = struct.unpack_from("<H", self.data, at)
            at += 2 + length + 8
        count, = struct.unpack_from("<I", self.data, at)
        at += 4
        for _ in range(count):  # threads
            frames, = struct.unpack_from("<I", self.data, at + 16)
            at += 20
            for _ in range(frames):
                length, = struct.unpack_from("<H", self.data, at + 8)
                at += 10 + length
        count, = struct.unpack_from("<I", self.data, at)
        at += 4
        self.regions = []  # (address, offset in data, size)
        for _ in range(count):
            address, _, size = struct.unpack_from("<QBI", self.data, at)
            at += 13
            self.regions.append((address, at, size))
            at += size

    def find(self, needle):
        """Addresses of every occurrence of `needle` in the memory image."""
        found = []
        for address, offset, size in self.regions:
            start = 0
            chunk = bytes(self.data[offset:offset + size])
            while (index := chunk.find(needle, start)) >= 0:
                found.append(address + index)
                start = index + 1
        return found

    def offset_of(self, address, width=8):
        for start, offset, size in self.regions:
            if start <= address and address + width <= start + size:
                return offset + address - start
        raise KeyError(f"{address:#x} is not in the seed")

    def word(self, address):
        return struct.unpack_from("<Q", self.data, self.offset_of(address))[0]

    def put(self, address, value):
        struct.pack_into("<q" if value < 0 else "<Q", self.data, self.offset_of(address), value)


def debug_offsets_variants(seed):
    table, = seed.find(b"xdebugpy")
    localsplus = seed.word(table + FRAME_LOCALSPLUS)
    adaptive = seed.word(table + CODE_CO_CODE_ADAPTIVE)
    yield "debug-offsets-straddling-fields", [(table + FRAME_PREVIOUS, localsplus - 1),
                                              (table + CODE_FIRSTLINENO, adaptive - 2)]


def hostile_type_variants(seed):
    names = seed.find(b"Token\x00")
    types = [pointer - TP_NAME for name in names for pointer in seed.find(struct.pack("<Q", name))]
    assert types, "no type object named Token in the seed"
    # ob_size (the instance's __dict__ pointer, where a positive tp_dictoffset keeps it) times
    # tp_itemsize overflows; or a negative tp_itemsize makes the sum with a hugely negative
    # tp_dictoffset overflow.
    for name, itemsize, dictoffset in (("product", 1 << 62, -8), ("sum", -1, -(1 << 63) + 1)):
        yield f"hostile-type-{name}", [(address + TP_ITEMSIZE, itemsize) for address in types] + \
            [(address + TP_DICTOFFSET, dictoffset) for address in types]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    corpus = Path(sys.argv[1])
    for source, variants in (("debian-3.13t.seed", debug_offsets_variants),
                             ("pyenv-3.8.seed", hostile_type_variants)):
        for name, patches in variants(Seed(corpus / source)):
            seed = Seed(corpus / source)
            for address, value in patches:
                seed.put(address, value)
            (corpus / f"{name}.seed").write_bytes(seed.data)
            print(f"{name}.seed: {len(patches)} value(s) changed in a copy of {source}")


if __name__ == "__main__":
    main()
