#!/usr/bin/env python3
"""Writes the hand-made seed corpora of the fuzz targets into
tests/fuzz/corpus/<target>/ (the files are committed; rerun after changing an
input format). Layouts are documented at the top of each tests/fuzz/*.cc."""
import os
import re
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(ROOT))


def out(target, name, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def text(*pairs):
    return b"".join(p.encode() + b"\0" for p in pairs)


def bhs(opcode, flags=0, ahs=b"", dlen=0, lun=0, itt=1, rest=b""):
    """48-byte BHS: byte 0 opcode, 1 flags, 4 TotalAHSLength, 5-7 dlen,
    8-15 LUN (or ISID/TSIH), 16-19 ITT, 20-47 `rest`."""
    b = bytes([opcode, flags, 0, 0, len(ahs) // 4]) + dlen.to_bytes(3, "big")
    b += lun.to_bytes(8, "big") + itt.to_bytes(4, "big")
    return b + rest.ljust(28, b"\0")


def pdu(opcode, flags=0, ahs=b"", data=b"", lun=0, itt=1, rest=b"", hd=False, dd=False):
    p = bhs(opcode, flags, ahs, len(data), lun, itt, rest) + ahs
    if hd:
        p += struct.pack("<I", crc32c(p))
    padded = data + b"\0" * (-len(data) % 4)
    p += padded
    if dd and data:
        p += struct.pack("<I", crc32c(padded))
    return p


ISID = bytes([0x00, 0x02, 0x3D, 0x00, 0x00, 0x01])


def login_bhs(csg, nsg, transit, cont=False, dlen=0, itt=1, cmdsn=1, version_min=0):
    flags = (0x80 if transit else 0) | (0x40 if cont else 0) | (csg << 2) | nsg
    b = bytes([0x43, flags, 0, version_min, 0]) + dlen.to_bytes(3, "big")
    b += ISID + b"\0\0" + itt.to_bytes(4, "big")
    rest = b"\0\0\0\0" + cmdsn.to_bytes(4, "big") + (0).to_bytes(4, "big")
    return b + rest.ljust(28, b"\0")


def cdb(*b, n=16):
    return bytes(b).ljust(n, b"\0")


# ---------------------------------------------------------------- fuzz_pdu
def pdu_seeds():
    login = text("InitiatorName=iqn.2024-01.org.esan:init", "TargetName=iqn.2024-01.org.esan:open",
                 "SessionType=Normal", "AuthMethod=None")
    lb = login_bhs(0, 1, True, dlen=len(login))
    out("fuzz_pdu", "login", bytes([0]) + lb + login + b"\0" * (-len(login) % 4))
    read10 = cdb(0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0)
    scsi = pdu(0x01, 0xC0, lun=0, itt=2, rest=(4096).to_bytes(4, "big") + (1).to_bytes(4, "big") +
               (1).to_bytes(4, "big") + read10, hd=True, dd=True)
    nop = pdu(0x40, 0x80, itt=3, rest=b"\xff\xff\xff\xff", data=b"ping", hd=True, dd=True)
    out("fuzz_pdu", "scsi-nop-digests", bytes([1 | 2]) + scsi + nop)
    out("fuzz_pdu", "scsi-nop-repair", bytes([1 | 2 | 4]) + scsi + nop)
    ext = struct.pack(">HBB", 17, 0x01, 0) + bytes(range(16))
    cmd32 = pdu(0x01, 0x80, ahs=ext, lun=1 << 48, itt=4,
                rest=(0).to_bytes(4, "big") * 3 + cdb(0x7F, 0, 0, 0, 0, 0, 0, 0x18))
    out("fuzz_pdu", "extended-cdb", bytes([0]) + cmd32)
    dout = pdu(0x05, 0x80, data=bytes(range(256)) * 2, itt=2,
               rest=b"\xff\xff\xff\xff" + b"\0" * 12 + (0).to_bytes(4, "big"), dd=True)
    out("fuzz_pdu", "data-out-digest", bytes([2 | 4 | 8]) + dout)
    st = text("SendTargets=All")
    out("fuzz_pdu", "text", bytes([0]) + pdu(0x04, 0x80, data=st, itt=5, rest=b"\xff\xff\xff\xff"))


# ---------------------------------------------------------------- fuzz_login
def rec(bhs_bytes, body):
    return bhs_bytes + struct.pack(">H", len(body)) + body


OPERATIONAL = text("HeaderDigest=CRC32C,None", "DataDigest=None", "MaxRecvDataSegmentLength=262144",
                   "MaxBurstLength=1048576", "FirstBurstLength=262144", "InitialR2T=No",
                   "ImmediateData=Yes", "MaxOutstandingR2T=1", "ErrorRecoveryLevel=0",
                   "DefaultTime2Wait=2", "DefaultTime2Retain=0", "DataPDUInOrder=Yes",
                   "DataSequenceInOrder=Yes", "MaxConnections=1")
INIT = "InitiatorName=iqn.2024-01.org.esan:init"


def login_seeds():
    r1 = text(INIT, "TargetName=iqn.2024-01.org.esan:open", "SessionType=Normal", "AuthMethod=None")
    out("fuzz_login", "open", bytes([8]) + rec(login_bhs(0, 1, True), r1) +
        rec(login_bhs(1, 3, True, itt=2), OPERATIONAL))
    out("fuzz_login", "open-operational-first",
        bytes([4]) + rec(login_bhs(1, 3, True), text(INIT, "TargetName=iqn.2024-01.org.esan:open") +
                         OPERATIONAL))
    chap = [rec(login_bhs(0, 1, True), text(INIT, "TargetName=iqn.2024-01.org.esan:chap",
                                              "SessionType=Normal", "AuthMethod=CHAP,None")),
            rec(login_bhs(0, 1, True, itt=2), text("CHAP_A=7,5"))]
    out("fuzz_login", "chap", bytes([0]) + b"".join(chap) +
        rec(login_bhs(0, 1, True, itt=3), text("CHAP_N=joe", "CHAP_R=*")) +
        rec(login_bhs(1, 3, True, itt=4), OPERATIONAL))
    out("fuzz_login", "chap-md5-mutual", bytes([0]) + chap[0] +
        rec(login_bhs(0, 1, True, itt=2), text("CHAP_A=5")) +
        rec(login_bhs(0, 1, True, itt=3), text("CHAP_N=ann", "CHAP_R=*", "CHAP_I=17",
                                                "CHAP_C=0x00112233445566778899aabbccddeeff")) +
        rec(login_bhs(1, 3, True, itt=4), OPERATIONAL))
    out("fuzz_login", "chap-wrong-user", bytes([0]) + b"".join(chap) +
        rec(login_bhs(0, 1, True, itt=3), text("CHAP_N=mallory", "CHAP_R=*")))
    disc = text(INIT, "SessionType=Discovery", "AuthMethod=CHAP")
    out("fuzz_login", "discovery-chap", bytes([1 | 2]) + rec(login_bhs(0, 1, True), disc) +
        rec(login_bhs(0, 1, True, itt=2), text("CHAP_A=5")) +
        rec(login_bhs(0, 3, True, itt=3), text("CHAP_N=disc", "CHAP_R=*", "CHAP_I=1",
                                                "CHAP_C=0b3q2+7w==")))
    half = len(r1) // 2
    out("fuzz_login", "continuation", bytes([0]) + rec(login_bhs(0, 1, False, cont=True), r1[:half]) +
        rec(login_bhs(0, 1, True), r1[half:]) + rec(login_bhs(1, 3, True, itt=2), OPERATIONAL))


# ---------------------------------------------------------------- fuzz_scsi
def cmd(c, dir_=0, expected=0, data=b"", nexus=0, lun_sel=0, drain=False):
    n = 32 if len(c) > 16 else 16
    ctl = nexus | lun_sel << 1 | dir_ << 3 | (0x20 if drain else 0) | (0x40 if n == 32 else 0)
    scale = expected > 0xFFFF
    if scale:
        ctl |= 0x80
        expected //= 64
    return bytes([ctl]) + struct.pack(">HH", expected, len(data)) + c.ljust(n, b"\0") + data


IN, OUT = 1, 2


def be(v, n):
    return v.to_bytes(n, "big")


def scsi_seeds():
    tur = cmd(cdb(0x00))
    inquiry = cmd(cdb(0x12, 0, 0, 0, 96), IN, 96)
    vpd83 = cmd(cdb(0x12, 1, 0x83, 0, 255), IN, 255)
    vpdb0 = cmd(cdb(0x12, 1, 0xB0, 0, 64), IN, 64)
    cap16 = cmd(cdb(0x9E, 0x10, *be(0, 8), *be(32, 4)), IN, 32)
    write10 = cmd(cdb(0x2A, 0, *be(8, 4), 0, *be(2, 2)), OUT, 1024, bytes(range(256)) * 4)
    read10 = cmd(cdb(0x28, 0, *be(8, 4), 0, *be(2, 2)), IN, 1024)
    out("fuzz_scsi", "basic", bytes([0, 0]) + tur + inquiry + vpd83 + vpdb0 + cap16 + write10 + read10 +
        cmd(cdb(0xA0, 0, 0, 0, 0, 0, *be(256, 4)), IN, 256) + cmd(cdb(0x1A, 0, 0x3F, 0, 255), IN, 255) +
        cmd(cdb(0x35), 0))
    out("fuzz_scsi", "unit-attention", bytes([0, 1]) + tur + cmd(cdb(0x03, 0, 0, 0, 18), IN, 18) + tur)
    out("fuzz_scsi", "deferred-overlap", bytes([0x10, 0]) + write10 + read10 + write10 +
        cmd(cdb(0x89, 0, *be(8, 8), 0, 0, 0, 1), OUT, 1024, bytes(1024)) + cmd(b"", 0, drain=True))
    unmap = be(22, 2) + be(16, 2) + b"\0" * 4 + be(16, 8) + be(8, 4) + b"\0" * 4
    out("fuzz_scsi", "thin", bytes([0x01, 0]) + cmd(cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 24), OUT, 24, unmap) +
        cmd(cdb(0x9E, 0x12, *be(0, 8), *be(64, 4)), IN, 64) +
        cmd(cdb(0x93, 0x08, *be(0, 8), *be(4, 4)), OUT, 512, bytes(512)))
    key_a, key_b = be(0xA, 8), be(0xB, 8)
    reg = lambda k: b"\0" * 8 + k + b"\0" * 8
    prout = lambda sa, typ, data, nexus: cmd(cdb(0x5F, sa, typ, 0, 0, *be(24, 4)), OUT, 24, data, nexus)
    out("fuzz_scsi", "reservations", bytes([0, 0]) + prout(0, 0, reg(key_a), 0) + prout(0, 0, reg(key_b), 1) +
        prout(1, 1, key_a + b"\0" * 16, 0) + write10[:0] +
        cmd(cdb(0x2A, 0, *be(0, 4), 0, *be(1, 2)), OUT, 512, bytes(512), nexus=1) +
        cmd(cdb(0x5E, 0, 0, 0, 0, 0, 0, *be(256, 2)), IN, 256, nexus=1) +
        cmd(cdb(0x16), 0, nexus=1) + cmd(cdb(0x17), 0))
    out("fuzz_scsi", "null-lu-and-unmapped", bytes([0x08, 0]) + cmd(cdb(0x28, 0, *be(0, 4), 0, *be(1, 2)), IN,
                                                                 4096, lun_sel=1) +
        cmd(cdb(0x12, 0, 0, 0, 36), IN, 36, lun_sel=2) + cmd(cdb(0x00), 0, lun_sel=3))
    sanitize = cmd(cdb(0x48, 0x01, 0, 0, 0, 0, 0, *be(8, 2)), OUT, 8, bytes([1, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef]))
    tmf = lambda op: bytes([3 << 3]) + struct.pack(">HH", 0, 0) + cdb(op)
    out("fuzz_scsi", "sanitize-reset", bytes([0x10, 0]) + sanitize + tmf(0) + tmf(4) + tur + tmf(1) + tmf(3) +
        tmf(2) + cmd(cdb(0x03, 0, 0, 0, 18), IN, 18, drain=True))
    rsoc = cmd(cdb(0xA3, 0x0C, 0x80, 0, 0, 0, *be(4096, 4)), IN, 4096)
    out("fuzz_scsi", "removable", bytes([0x02, 0]) + rsoc + cmd(cdb(0x1E, 0, 0, 0, 1), 0) +
        cmd(cdb(0x1B, 0, 0, 0, 2), 0) + cmd(cdb(0x1E), 0) + cmd(cdb(0x1B, 0, 0, 0, 3), 0) + cmd(cdb(0x7F, n=32), 0))


# ---------------------------------------------------------------- fuzz_config
def raw_strings(path):
    with open(os.path.join(REPO, path)) as f:
        return re.findall(r'R"\((.*?)\)"', f.read(), re.S)


def config_seeds():
    for i, s in enumerate(raw_strings("config/test_helpers.h") + raw_strings("config/parse_good_test.cc")):
        out("fuzz_config", f"test-{i}.conf", s.encode())
    out("fuzz_config", "quotes.conf", b'HANDLER vdisk_fileio { # devices\n  DEVICE "my disk" { filename '
        b'"/srv/a b#c.img"\n    prod_id My Product\n    read_only 1 }\n}\n'
        b'TARGET_DRIVER iscsi { TARGET t { LUN 7 "my disk" } }\n')
    out("fuzz_config", "users.conf", b"TARGET_DRIVER iscsi {\n  enabled 0\n  IncomingUser joe secret1-long\n"
        b'  IncomingUser "ann   secret2-long"\n  OutgoingUser tgt s3cr3t-for-tgt\n  MaxBurstLength 262144\n'
        b"  TARGET t { IncomingUser bob bobs-password\n OutgoingUser me my-password-2\n"
        b"    InitialR2T No\n    ImmediateData Yes }\n}\n")
    out("fuzz_config", "allman.conf", b"HANDLER vdisk_nullio\n{\n  DEVICE n0\n  {\n  }\n  DEVICE n1\n}\n"
        b"TARGET_DRIVER iscsi\n{\n  TARGET t1\n  TARGET t2 {\n  }\n}\n")
    out("fuzz_config", "alua.conf", b"HANDLER vdisk_nullio { DEVICE a { size_mb 1 } DEVICE b }\n"
        b"TARGET_DRIVER iscsi { enabled 1\n TARGET t1 { enabled 1\n rel_tgt_id 1\n LUN 0 a\n LUN 1 b {"
        b" read_only 1 } } }\n"
        b"DEVICE_GROUP dg { DEVICE a\n DEVICE b\n TARGET_GROUP local { group_id 1\n state active\n"
        b" TARGET t1 }\n TARGET_GROUP remote { group_id 2\n state standby\n"
        b" TARGET iqn.2026-11.org.esan:other { rel_tgt_id 9 } } }\n")
    out("fuzz_config", "warnings.conf", b"setup_id 0x1234\nmax_tasklet_cmd 20\nsuspend 0\n"
        b'trace_level "0 1"\nHANDLER vdisk_nullio { DEVICE d { tst 1 } }\n')


if __name__ == "__main__":
    pdu_seeds()
    login_seeds()
    scsi_seeds()
    config_seeds()
