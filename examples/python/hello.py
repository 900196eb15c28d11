# examples/python: Debian's python3 running a script under `shroud run` (like GSC's python
# example). Prints a greeting, then what /dev/attestation offers.
import json
import os
import sys

print(f"Hello from Python {sys.version.split()[0]} inside shroud run!")
with open("/dev/attestation/attestation_type") as f:
    kind = f.read()
print(json.dumps({"attestation_type": kind, "files": sorted(os.listdir("/dev/attestation"))}))
try:
    open("/etc/passwd").read()
    print("/etc/passwd: readable (unexpected)")
except PermissionError:
    print("/etc/passwd: denied, as the manifest says")
