#!/usr/bin/python3
"""Candidate forms of a large constant array in generated C (issue 10, docs/generated-code.md).

forms.py DIR N  writes DIR/FORM.c (and w.bin for incbin) holding the same N float32 values
(seeded normal numbers, bit patterns taken as they are) plus a function that reads one of
them, in each form:
  hexfloat  static const float w[N] = {0x1.8p+0f, ...};      (xnorcc before issue 10)
  intbits   union of float[N] and uint32_t[N], the bit patterns as 0x3fc00000u, ...
  octal     union of float[N] and unsigned char[R][4088], rows of string literals, every byte
            a 3-digit octal escape, 64 bytes a line
  string    the same, printable bytes other than \\ " ? as themselves, the others octal, 64
            bytes a line (what xnorcc --weight-storage=bytes writes)
  split     string form in weights.c, the code in code.c reading it through an extern
  incbin    w.bin and a top-level __asm__ .incbin (GNU assembler, ELF), extern const float w[]
"""
import os
import struct
import sys

import numpy as np

ROW = 4088  # bytes per string literal: <= 4095 (C99's minimum limit, -Woverlength-strings), a multiple of 8


def hexfloat(u):
    f = struct.unpack("<f", struct.pack("<I", u))[0]
    if f == 0:
        return "0x0p+0f"
    s = float(f).hex()  # exact: a float32 is a double
    mant, exp = s.split("p")
    mant = mant.rstrip("0").rstrip(".")
    return "%sp%s%sf" % (mant, "+" if not exp.startswith("-") and not exp.startswith("+") else "", exp)


def lines(items, per):
    return ",\n".join("  " + ", ".join(items[i:i + per]) for i in range(0, len(items), per))


def strrow(b, printable):
    out = []
    for c in b:
        if printable and 0x20 <= c <= 0x7e and c not in (0x5c, 0x22, 0x3f):
            out.append(chr(c))
        else:
            out.append("\\%03o" % c)
    return '"' + "".join(out) + '"'


def string_array(data, printable, storage="static "):
    """As xnorcc --weight-storage=bytes writes it: rows of ROW bytes, 64 bytes a line."""
    n = len(data) // 4
    rows = [data[i:i + ROW] for i in range(0, len(data), ROW)]
    body = ",\n".join("\n".join("  " + strrow(r[j:j + 64], printable) for j in range(0, len(r), 64))
                      for r in rows)
    return ("%sconst union { unsigned char b[%d][%d]; float f[%d]; } w = {{\n%s\n}};\n"
            % (storage, len(rows), ROW, n, body))


READ = "float get(int i);\nfloat get(int i) { return w%s[i]; }\n"


def main():
    d, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(d, exist_ok=True)
    v = np.random.default_rng(1).standard_normal(n).astype("<f4")
    data = v.tobytes()
    bits = np.frombuffer(data, dtype="<u4").tolist()
    hdr = "#include <stdint.h>\n"
    with open(os.path.join(d, "hexfloat.c"), "w") as f:
        f.write("static const float w[%d] = {\n%s\n};\n" % (n, lines([hexfloat(u) for u in bits], 6)))
        f.write(READ % "")
    with open(os.path.join(d, "intbits.c"), "w") as f:
        f.write(hdr + "static const union { uint32_t u[%d]; float f[%d]; } w = {{\n%s\n}};\n"
                % (n, n, lines(["0x%08xu" % u for u in bits], 8)))
        f.write(READ % ".f")
    for name, pr in (("octal", False), ("string", True)):
        with open(os.path.join(d, name + ".c"), "w") as f:
            f.write(string_array(data, pr))
            f.write(READ % ".f")
    rows = (len(data) + ROW - 1) // ROW
    tag = "union xn_w { unsigned char b[%d][%d]; float f[%d]; };\n" % (rows, ROW, n)
    with open(os.path.join(d, "weights.c"), "w") as f:
        f.write(tag + "extern const union xn_w w;\n")
        f.write(string_array(data, True, "").replace("const union { unsigned char b[%d][%d]; float f[%d]; }"
                                                     % (rows, ROW, n), "const union xn_w"))
    with open(os.path.join(d, "code.c"), "w") as f:
        f.write(tag + "extern const union xn_w w;\n" + READ % ".f")
    with open(os.path.join(d, "w.bin"), "wb") as f:
        f.write(data)
    with open(os.path.join(d, "incbin.c"), "w") as f:
        f.write('__asm__(".section .rodata\\n.balign 64\\n.globl xn_w\\nxn_w:\\n.incbin \\"%s\\"\\n.previous");\n'
                % os.path.join(os.path.abspath(d), "w.bin"))
        f.write("extern const float xn_w[%d];\nfloat get(int i);\nfloat get(int i) { return xn_w[i]; }\n" % n)


if __name__ == "__main__":
    main()
