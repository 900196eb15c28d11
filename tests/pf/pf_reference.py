#!/usr/bin/env python3
"""An independent reader and writer of Gramine protected files, for cross-checking src/pf.

Written from Gramine 1.9's common/src/protected_files/ (protected_files_format.h and the
functions ipf_import_metadata_key, ipf_init_existing_file, get_node_numbers,
ipf_read_mht_node/ipf_read_data_node and ipf_update_all_data_and_mht_nodes), not from src/pf.
Uses python3-cryptography (AES-GCM, CMAC).

  pf_reference.py decrypt KEY_HEX BOUND_PATH PF_FILE PLAIN_OUT
  pf_reference.py encrypt KEY_HEX BOUND_PATH PLAIN_IN PF_OUT

Exit status 0 on success, 1 with a message on stderr when the file is refused.
"""
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.ciphers import algorithms

NODE = 4096
FILE_ID = b"GRAFS_PF"          # PF_FILE_ID 0x46505f5346415247, little-endian
MAJOR, MINOR = 1, 0
LABEL = b"SGX-PROTECTED-FS-METADATA-KEY"
PATH_MAX = 260 + 512
INLINE = NODE * 3 // 4        # MD_USER_DATA_SIZE
DATA_PER_MHT = 96             # ATTACHED_DATA_NODES_COUNT
CHILD_MHT = 32                # CHILD_MHT_NODES_COUNT
ZERO_IV = bytes(12)
# plaintext header: file_id u64, major u8, minor u8, nonce[32], mac[16]
PLAIN_HDR = struct.Struct("<8sBB32s16s")
# decrypted header: path[772], size u64, root key[16], root mac[16], data[3072]
DEC_HDR = struct.Struct("<%dsQ16s16s%ds" % (PATH_MAX, INLINE))


class Refused(Exception):
    pass


def metadata_key(kdk, nonce):
    # kdf_input_t: u32 counter = 1, char label[64], nonce[32], u32 output_len = 128
    kdf_input = struct.pack("<I64s32sI", 1, LABEL, nonce, 128)
    c = CMAC(algorithms.AES(kdk))
    c.update(kdf_input)
    return c.finalize()


def gcm_open(key, blob, mac, what):
    try:
        return AESGCM(key).decrypt(ZERO_IV, blob + mac, None)
    except Exception:
        raise Refused("%s: MAC mismatch" % what)


def gcm_seal(key, plain):
    out = AESGCM(key).encrypt(ZERO_IV, plain, None)
    return out[:-16], out[-16:]


def data_node_physical(d):
    return d + 2 + d // DATA_PER_MHT


def mht_node_physical(m):
    return 1 + m * (1 + DATA_PER_MHT)


def decrypt(kdk, bound_path, raw):
    if len(raw) == 0 or len(raw) % NODE:
        raise Refused("host size %d is not a positive multiple of 4096" % len(raw))
    fid, major, _minor, nonce, mac = PLAIN_HDR.unpack_from(raw, 0)
    if fid != FILE_ID or major != MAJOR:
        raise Refused("bad file id or major version")
    enc = raw[PLAIN_HDR.size:PLAIN_HDR.size + DEC_HDR.size]
    dec = gcm_open(metadata_key(kdk, nonce), enc, mac, "metadata")
    path, size, root_key, root_mac, inline = DEC_HDR.unpack(dec)
    path = path.split(b"\0", 1)[0].decode()
    if path != bound_path:
        raise Refused("bound to %r" % path)
    out = bytearray(inline[:min(size, INLINE)])
    if size <= INLINE:
        return bytes(out)

    def node(phys):
        chunk = raw[phys * NODE:(phys + 1) * NODE]
        if len(chunk) != NODE:
            raise Refused("node %d missing" % phys)
        return chunk

    mht = {0: gcm_open(root_key, node(1), root_mac, "root MHT node")}

    def get_mht(m):
        if m not in mht:
            parent = get_mht((m - 1) // CHILD_MHT)
            slot = DATA_PER_MHT + (m - 1) % CHILD_MHT
            key, mac = parent[slot * 32:slot * 32 + 16], parent[slot * 32 + 16:slot * 32 + 32]
            mht[m] = gcm_open(key, node(mht_node_physical(m)), mac, "MHT node %d" % m)
        return mht[m]

    ndata = (size - INLINE + NODE - 1) // NODE
    for d in range(ndata):
        parent = get_mht(d // DATA_PER_MHT)
        slot = d % DATA_PER_MHT
        key, mac = parent[slot * 32:slot * 32 + 16], parent[slot * 32 + 16:slot * 32 + 32]
        out += gcm_open(key, node(data_node_physical(d)), mac, "data node %d" % d)
    return bytes(out[:size])


def encrypt(kdk, bound_path, plain):
    size = len(plain)
    inline = plain[:INLINE].ljust(INLINE, b"\0")
    ndata = (size - INLINE + NODE - 1) // NODE if size > INLINE else 0
    nmht = (ndata + DATA_PER_MHT - 1) // DATA_PER_MHT
    nodes = {}
    mht = [bytearray(NODE) for _ in range(nmht)]
    for d in range(ndata):
        chunk = plain[INLINE + d * NODE:INLINE + (d + 1) * NODE].ljust(NODE, b"\0")
        key = os.urandom(16)
        ct, mac = gcm_seal(key, chunk)
        nodes[data_node_physical(d)] = ct
        slot = d % DATA_PER_MHT
        mht[d // DATA_PER_MHT][slot * 32:slot * 32 + 32] = key + mac
    for m in range(nmht - 1, 0, -1):  # children before parents
        key = os.urandom(16)
        ct, mac = gcm_seal(key, bytes(mht[m]))
        nodes[mht_node_physical(m)] = ct
        slot = DATA_PER_MHT + (m - 1) % CHILD_MHT
        mht[(m - 1) // CHILD_MHT][slot * 32:slot * 32 + 32] = key + mac
    root_key, root_mac = bytes(16), bytes(16)
    if nmht:
        root_key = os.urandom(16)
        nodes[1], root_mac = gcm_seal(root_key, bytes(mht[0]))
    dec = DEC_HDR.pack(bound_path.encode(), size, root_key, root_mac, inline)
    nonce = os.urandom(32)
    enc, mac = gcm_seal(metadata_key(kdk, nonce), dec)
    meta = PLAIN_HDR.pack(FILE_ID, MAJOR, MINOR, nonce, mac) + enc
    nodes[0] = meta.ljust(NODE, b"\0")
    last = max(nodes)
    return b"".join(nodes[i] for i in range(last + 1))


def main(argv):
    if len(argv) != 6 or argv[1] not in ("encrypt", "decrypt"):
        sys.stderr.write(__doc__)
        return 2
    kdk = bytes.fromhex(argv[2])
    with open(argv[4], "rb") as f:
        data = f.read()
    try:
        out = (decrypt if argv[1] == "decrypt" else encrypt)(kdk, argv[3], data)
    except Refused as e:
        sys.stderr.write("refused: %s\n" % e)
        return 1
    with open(argv[5], "wb") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
