#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""embed.py IN OUT NAME: write OUT, a C file defining NAME[] (the bytes of IN) and NAME_len."""
import sys

data = open(sys.argv[1], "rb").read()
name = sys.argv[3]
with open(sys.argv[2], "w") as f:
    f.write(f"/* generated from {sys.argv[1].split('/')[-1]} by src/tools/embed.py */\n")
    f.write(f"const unsigned char {name}[] = {{\n")
    for i in range(0, len(data), 16):
        f.write("\t" + ", ".join(f"0x{b:02x}" for b in data[i:i + 16]) + ",\n")
    f.write("};\n")
    f.write(f"const unsigned int {name}_len = {len(data)};\n")
