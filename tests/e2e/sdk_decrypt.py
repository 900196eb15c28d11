#!/usr/bin/python3
"""Decrypts a v4 advertising token the way the UID2 client SDKs do (the SDK's decrypt path:
keys from /v2/key/sharing, master key then site key, both AES-256-GCM), so the e2e test checks
the operator's tokens with a decoder independent of the operator's own code. Layout: spec
uid2-operator.md section 3.4.

  sdk_decrypt.py TOKEN SHARING_REPLY_JSON      prints {"site_id", "advertising_id", "expires_ms",
                                               "privacy_bits", "identity_scope"}
Exit 1 (with the reason) when the token does not decrypt."""
import base64
import json
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def gcm_open(key, blob):  # IV 12 | ciphertext | tag 16, as the SDKs' decryptGCM
    return AESGCM(key).decrypt(blob[:12], blob[12:], None)


def main():
    token, sharing = sys.argv[1], json.loads(sys.argv[2])["body"]
    keys = {k["id"]: base64.b64decode(k["secret"]) for k in sharing["keys"]}
    # v4 tokens are base64url without padding (the SDKs sniff '-'/'_' in the first 4 chars).
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    if raw[1] != 0x80:
        sys.exit(f"sdk_decrypt: version byte {raw[1]:#x}, expected 0x80 (v4)")
    master_id = struct.unpack(">i", raw[2:6])[0]
    if master_id not in keys:
        sys.exit(f"sdk_decrypt: master key {master_id} not in the sharing keys")
    master = gcm_open(keys[master_id], raw[6:])
    expires_ms, _created_ms = struct.unpack(">qq", master[0:16])
    # operator identity: site 4 | type 1 | version 4 | key id 4 (13 bytes)
    site_key_id = struct.unpack(">i", master[29:33])[0]
    if site_key_id not in keys:
        sys.exit(f"sdk_decrypt: site key {site_key_id} not in the sharing keys")
    site = gcm_open(keys[site_key_id], master[33:])
    site_id = struct.unpack(">i", site[0:4])[0]
    privacy_bits = struct.unpack(">i", site[16:20])[0]
    uid = site[36:]
    if expires_ms <= time.time() * 1000:
        sys.exit("sdk_decrypt: the token has expired")
    scope = "UID2" if (raw[0] >> 4) & 1 == 0 else "EUID"
    print(json.dumps({"site_id": site_id, "advertising_id": base64.b64encode(uid).decode(),
                      "expires_ms": expires_ms, "privacy_bits": privacy_bits,
                      "identity_scope": scope}))


if __name__ == "__main__":
    main()
