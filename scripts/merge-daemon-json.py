"""Merge the stack's keys into daemon.json: merge-daemon-json.py CURRENT OUT WANTED_JSON.

Writes the merged file to OUT (with CURRENT's mode) and prints whether it differs from CURRENT.
Every key the stack does not set is kept. Run by scripts/engine-config.sh on the host.
"""

import json
import os
import shutil
import sys

path, out, wanted = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    with open(path) as f:
        current = json.load(f)
except FileNotFoundError:
    current = {}
except ValueError as e:
    sys.exit(f"{path} is not valid JSON ({e}); fix it by hand first")
merged = dict(current, **wanted)
with open(out, "w") as f:
    json.dump(merged, f, indent=2)
    f.write("\n")
if os.path.exists(path):
    shutil.copymode(path, out)
print("unchanged" if merged == current else "changed")
