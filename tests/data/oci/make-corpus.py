#!/usr/bin/env python3
"""Regenerates tests/data/oci/malicious/*: layers that a safe extractor must refuse or neutralise.
Run from this directory: python3 make-corpus.py. Output is deterministic (fixed mtimes)."""
import gzip, io, tarfile

def info(name, type=tarfile.REGTYPE, size=0, link=""):
    t = tarfile.TarInfo(name)
    t.type, t.size, t.linkname, t.mtime, t.mode = type, size, link, 0, 0o644
    return t

def layer(path, entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for e in entries:
            if isinstance(e, tuple):
                t, data = e
                tar.addfile(t, io.BytesIO(data))
            else:
                tar.addfile(e)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return buf.getvalue()

def f(name, data=b"pwned\n"):
    return (info(name, size=len(data)), data)

layer("malicious/traversal-dotdot.tar", [f("ok.txt"), f("../../../../tmp/shroud-escape-dotdot")])
layer("malicious/traversal-nested.tar", [f("a/b/../../../shroud-escape-nested")])
layer("malicious/absolute-path.tar", [f("/tmp/shroud-escape-absolute")])
layer("malicious/symlink-escape.tar", [
    info("evil", tarfile.SYMTYPE, link="../../../../../../tmp"),
    f("evil/shroud-escape-symlink")])
layer("malicious/symlink-chain-escape.tar", [
    info("a", tarfile.SYMTYPE, link="b/../.."),
    info("b", tarfile.DIRTYPE),
    f("a/shroud-escape-chain")])
layer("malicious/hardlink-escape.tar", [info("passwd", tarfile.LNKTYPE, link="../../../../etc/passwd")])
layer("malicious/hardlink-absolute.tar", [info("passwd", tarfile.LNKTYPE, link="/etc/passwd")])
layer("malicious/hardlink-via-symlink.tar", [
    info("etc-link", tarfile.SYMTYPE, link="../../../../../etc"),
    info("passwd", tarfile.LNKTYPE, link="etc-link/passwd")])
layer("malicious/hardlink-undeclared.tar", [info("x", tarfile.LNKTYPE, link="not/in/the/image")])
layer("malicious/device-nodes.tar", [
    info("dev/sda", tarfile.BLKTYPE), info("dev/mem", tarfile.CHRTYPE),
    info("dev/fifo", tarfile.FIFOTYPE), f("ok.txt")])
# A header claiming a 1 TiB file (pax size record), with no data behind it.
big = info("huge.bin", size=0)
big.pax_headers = {"size": str(1 << 40)}
layer("malicious/huge-size-header.tar", [big])
# A pax path record of 64 KiB.
longname = info("x" * 65536)
layer("malicious/huge-path-header.tar", [longname])
data = layer("/dev/null", [f("file%03d.txt" % i, b"y" * 4096) for i in range(64)])
gz = gzip.compress(data, mtime=0)
with open("malicious/truncated.tar.gz", "wb") as out:
    out.write(gz[: len(gz) // 2])
# A valid layer with whiteouts and an opaque directory, for the seed corpus.
layer("valid-whiteouts.tar", [info("keep", tarfile.DIRTYPE), info("keep/.wh.gone"),
                              info("opaque", tarfile.DIRTYPE), info("opaque/.wh..wh..opq"),
                              f("opaque/new.txt", b"new\n")])
