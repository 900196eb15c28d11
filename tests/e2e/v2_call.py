#!/usr/bin/python3
"""One UID2 v2 request (spec §2.1-2.3) with the bundled dataset's test client
(data/uid2/core/clients/clients.json, site 999); prints the decrypted reply JSON.

  v2_call.py PORT PATH JSON                       an encrypted request (/v2/token/generate, ...)
  v2_call.py PORT --refresh REFRESH_TOKEN KEY     /v2/token/refresh; the reply opens with KEY
                                                  (the refresh_response_key, base64)
Exit 1 on any failure (HTTP error, bad tag, nonce mismatch)."""
import base64
import json
import os
import struct
import sys
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CLIENT_KEY = "UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo="
CLIENT_SECRET = base64.b64decode("DzBzbjTJcYL0swDtFs2krRNu+g1Eokm2tBU4dEuD0Wk=")


def post(port, path, data):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                 headers={"Authorization": "Bearer " + CLIENT_KEY})
    try:
        return base64.b64decode(urllib.request.urlopen(req, timeout=10).read())
    except urllib.error.HTTPError as e:
        sys.exit(f"v2_call: {path}: HTTP {e.code}: {e.read().decode(errors='replace')}")


def main():
    port = sys.argv[1]
    if sys.argv[2] == "--refresh":
        key = base64.b64decode(sys.argv[4])
        body = post(port, "/v2/token/refresh", sys.argv[3].encode())
        print(json.dumps(json.loads(AESGCM(key).decrypt(body[:12], body[12:], None))))
        return
    path, payload = sys.argv[2], sys.argv[3]
    nonce, iv = os.urandom(8), os.urandom(12)
    plain = struct.pack(">q", int(time.time() * 1000)) + nonce + payload.encode()
    envelope = b"\x01" + iv + AESGCM(CLIENT_SECRET).encrypt(iv, plain, None)
    body = post(port, path, base64.b64encode(envelope))
    out = AESGCM(CLIENT_SECRET).decrypt(body[:12], body[12:], None)
    if out[8:16] != nonce:
        sys.exit("v2_call: the reply does not echo the request nonce")
    print(json.dumps(json.loads(out[16:])))


if __name__ == "__main__":
    main()
