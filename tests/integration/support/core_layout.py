"""The PT_NOTE and PT_LOAD headers of an ELF64 core, read by the tests that damage, cut or
check cores (test_hostile.py, test_crash.py)."""

import struct


class CoreLayout:
    """PT_NOTE and PT_LOAD headers of an ELF64 core: virtual addresses to file offsets."""

    def __init__(self, path):
        with open(path, "rb") as core:
            header = core.read(64)
            assert header[:4] == b"\x7fELF", f"{path} is no ELF file"
            phoff, = struct.unpack_from("<Q", header, 0x20)
            phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
            core.seek(phoff)
            table = core.read(phentsize * phnum)
        self.loads, self.notes = [], []
        for index in range(phnum):
            p_type, _, offset, vaddr, _, filesz, memsz, _ = struct.unpack_from(
                "<IIQQQQQQ", table, index * phentsize)
            if p_type == 1:
                self.loads.append((vaddr, memsz, offset, filesz))
            elif p_type == 4:
                self.notes.append((offset, filesz))

    def offset_of(self, address):
        """The file offset of `address`, or None when the core holds no bytes for it."""
        for vaddr, _, offset, filesz in self.loads:
            if vaddr <= address < vaddr + filesz:
                return offset + address - vaddr
        return None

    def load_data(self):
        """First and one-past-last file offsets of the PT_LOAD data."""
        held = [(offset, offset + filesz) for _, _, offset, filesz in self.loads if filesz]
        return min(start for start, _ in held), max(end for _, end in held)
