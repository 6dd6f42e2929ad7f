#!/usr/bin/env python3
"""apply-theta.py - write a calibrated parameter set into a scenario file, in place.

The values are what `unrest calibrate` prints and stores as theta ("path=value;path=value;...",
e.g. a representative particle's row of cal_posterior). Each value replaces the one of its key in
the YAML file, keeping the line's comment and alignment: `section.key` is the key under a
top-level `section:` block; `sites.REGION.key` (or `sites.NAME.key`) is the key in the flow maps of
every site of that region (or name). A path the file does not hold is an error (exit 2): the file
would otherwise say it holds values it does not.

Usage: scripts/apply-theta.py 'anger.gain=0.01;sites.Mangystau.violence=0.05' scenarios/X.yaml
"""
import re
import sys


def fmt(v):
    return f"{float(v):.4g}"


def apply(text, path, value):
    lines = text.split("\n")
    parts = path.split(".")
    if parts[0] == "sites" and len(parts) == 3:
        _, who, key = parts
        hits = 0
        i = 0
        while i < len(lines):
            line = lines[i]
            m = re.match(r"\s*- \{name: ([^,]+), region: ([^,]+),", line)
            if m and who in (m.group(1).strip(), m.group(2).strip()):
                j = i  # the site's flow map runs to the line that closes it
                while True:
                    new, n = re.subn(r"(\b%s: )[-+0-9.eE]+" % re.escape(key),
                                     lambda mm: mm.group(1) + fmt(value), lines[j], count=1)
                    if n:
                        lines[j] = new
                        hits += 1
                        break
                    if lines[j].rstrip().endswith("}") and lines[j].count("{") <= lines[j].count("}") and j > i:
                        break
                    j += 1
                    if j >= len(lines) or re.match(r"\s*- \{name:", lines[j]):
                        break
            i += 1
        if not hits:
            raise KeyError(path)
        return "\n".join(lines)
    if len(parts) != 2:
        raise KeyError(path)
    section, key = parts
    in_section = False
    for i, line in enumerate(lines):
        if re.match(r"[A-Za-z_]", line):
            in_section = line.startswith(section + ":")
            continue
        if not in_section:
            continue
        m = re.match(r"(\s+%s:\s*)([^#\s]+)(\s*)(#.*)?$" % re.escape(key), line)
        if m:
            old = m.group(2)
            new = fmt(value)
            pad = m.group(3)
            if m.group(4):  # keep the comment's column where it fits
                width = len(old) + len(pad)
                pad = " " * max(1, width - len(new))
            lines[i] = m.group(1) + new + pad + (m.group(4) or "")
            return "\n".join(lines)
    raise KeyError(path)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    theta, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        text = f.read()
    for item in filter(None, theta.strip().strip(";").split(";")):
        if "=" not in item:
            sys.stderr.write(f"apply-theta: '{item}': not path=value\n")
            return 2
        k, v = item.split("=", 1)
        try:
            float(v)
            text = apply(text, k.strip(), v.strip())
        except ValueError:
            sys.stderr.write(f"apply-theta: {k}: '{v}' is not a number\n")
            return 2
        except KeyError:
            sys.stderr.write(f"apply-theta: {path}: no key '{k}' to set\n")
            return 2
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    import os
    os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
