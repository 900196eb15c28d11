#!/usr/bin/python3
"""Copies a UID2 core dataset and gives one publisher site a keyset of its own.

    scripts/publisher-core-data.py SRC DST SITE_ID

The bundled dataset (data/uid2/core, UID2's own test data) has clients of site 999 but no keyset
for it, so the operator encrypts that site's advertising tokens under the fallback publisher
keyset (site 2), whose keys no site-999 client may fetch from /v2/key/sharing: an SDK of site 999
could not decrypt them. A real publisher site has its own keyset; DST gets one for SITE_ID
(keyset 9990, one key 9991 with a fresh random secret, active since an hour ago, for ten years),
so tokens served from DST decrypt with the official SDKs using that site's /v2/key/sharing keys.
SRC is left unchanged; DST is replaced. Used by scripts/start.sh and tests/e2e/core_local_e2e.sh.
"""
import base64
import json
import os
import shutil
import sys
import time

KEYSET_ID = 9990
KEY_ID = 9991


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    src, dst, site_id = argv[1], argv[2], int(argv[3])
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    keysets_path = os.path.join(dst, "keysets", "keysets.json")
    keys_path = os.path.join(dst, "keyset_keys", "keyset_keys.json")
    with open(keysets_path) as f:
        keysets = json.load(f)
    with open(keys_path) as f:
        keys = json.load(f)
    if any(k.get("keyset_id") == KEYSET_ID for k in keysets) or any(k.get("id") == KEY_ID for k in keys):
        sys.exit(f"{src}: keyset {KEYSET_ID} or key {KEY_ID} already exists")
    now = int(time.time())
    keysets.append({"keyset_id": KEYSET_ID, "site_id": site_id, "name": f"site {site_id} publisher",
                    "allowed_sites": None, "created": now - 7200, "enabled": True, "default": True})
    keys.append({"id": KEY_ID, "keyset_id": KEYSET_ID, "created": now - 7200,
                 "activates": now - 3600, "expires": now + 10 * 365 * 86400,
                 "secret": base64.b64encode(os.urandom(32)).decode()})
    for path, doc in ((keysets_path, keysets), (keys_path, keys)):
        with open(path, "w") as f:
            json.dump(doc, f)


if __name__ == "__main__":
    main(sys.argv)
