#!/usr/bin/python3
"""Print the Python-derived test vectors pasted into test_xr_*.c.

Run with Debian's /usr/bin/python3 (3.11, the interpreter Supervisor 4.2.5
runs on) at test-writing time; the unit tests themselves never run Python.
Sections (pick one with the first argument):

  escape   bytes -> what xr_escape must write, from a reference model of
           the policy in proto/xmlrpc/xr_codec.h built on Python's own
           bytes.decode("utf-8", "replace") and xmlrpc.client.escape
  double   float -> repr(float), which xmlrpc.client writes in <double>
  pairs    xmlrpc.client.dumps((v,), "m") and dumps((v,), methodresponse=1)
           for values of every type: the parser reads the first, the
           writer must reproduce the second (and the first) byte for byte
"""
import datetime
import random
import struct
import sys
import xmlrpc.client as xc

NOT_XML = set(range(0x20)) - {0x09, 0x0A, 0x0D}


def policy(b):
    """The escaping policy of xr_escape, as a Python reference."""
    out = []
    for ch in b.decode("utf-8", "replace"):
        o = ord(ch)
        if ch == "\r":
            out.append("&#13;")
        elif o in NOT_XML or o in (0xFFFE, 0xFFFF):
            out.append("\ufffd")
        else:
            out.append(xc.escape(ch))
    return "".join(out).encode("utf-8")


def c_bytes(b):
    """A C string literal for b, split every 64 characters."""
    named = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x22: '\\"',
             0x5C: "\\\\"}
    parts, cur = [], ""
    last_hex = last_q = False
    for x in b:
        ch = chr(x)
        if x in named:
            tok, last_hex, last_q = named[x], False, False
        elif 0x20 <= x < 0x7F and not (ch == "?" and last_q):
            # A hex escape would swallow a following hex digit.
            tok = ('" "' if last_hex and ch in "0123456789abcdefABCDEF"
                   else "") + ch
            last_hex, last_q = False, ch == "?"
        else:
            # "??" would start a trigraph in C11.
            tok, last_hex, last_q = "\\x%02x" % x, True, False
        cur += tok
        if len(cur) >= 64:
            parts.append(cur)
            cur, last_hex = "", False
    parts.append(cur)
    return "\n\t    ".join('"%s"' % p for p in parts)


def escape_section():
    rnd = random.Random(4205)
    fixed = [b"", b"plain", b"a&b<c>d]]>e", b"tab\there\nnl", b"cr\r\nlf",
             b"\x00", b"\x01\x08\x0b\x0c\x0e\x1f", b"\x7f\xc2\x80\xc2\x9f",
             b"\xc3\xa9\xe6\xbc\xa2\xe2\x98\x83\xf0\x9f\x98\x80",
             b"\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd", b"\xed\xa0\x80",
             b"\xed\x9f\xbf", b"\xf0\x80\x80\x80", b"\xf4\x8f\xbf\xbf",
             b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xc0\xaf", b"\xc1\xbf",
             b"\xf5\x80", b"\xff\xfe", b"\xf0\x9f\x98", b"a\xe2\x82b",
             b"\x1b[31mred\x1b[0m", b"\xe0\x9f\x80\xe0\xa0\x80",
             b"\xf0\x8f\xbf\xbf\xf0\x90\x80\x80"]
    alphabet = (list(range(0x00, 0x21)) + [0x26, 0x3C, 0x3E, 0x41, 0x7F] +
                list(range(0x80, 0x100)))
    for _ in range(60):
        n = rnd.randrange(0, 12)
        fixed.append(bytes(rnd.choice(alphabet) for _ in range(n)))
    for _ in range(20):
        # Valid UTF-8 of random code points, cut at a random byte.
        s = "".join(chr(rnd.choice([rnd.randrange(0x80, 0x800),
                                    rnd.randrange(0x800, 0xD800),
                                    rnd.randrange(0xE000, 0x10000),
                                    rnd.randrange(0x10000, 0x110000)]))
                    for _ in range(3)).encode()
        fixed.append(s[:rnd.randrange(1, len(s) + 1)])
    print("static const struct xr_escape_vec xr_escape_vecs[] = {")
    for b in fixed:
        exp = policy(b)
        # The expected output must be what Python's client reads back.
        doc = (b"<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>"
               b"\n<value><string>" + exp + b"</string></value>\n</param>\n"
               b"</params>\n</methodResponse>\n")
        got = xc.loads(doc)[0][0]
        assert got == b.decode("utf-8", "replace").translate(
            {c: 0xFFFD for c in NOT_XML | {0xFFFE, 0xFFFF}}), (b, got)
        print("\t{ %s, %d,\n\t    %s, %d }," % (c_bytes(b), len(b),
                                              c_bytes(exp), len(exp)))
    print("};")


def double_section():
    rnd = random.Random(4205)
    vals = [0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e16, 1e15, 9999999999999998.0,
            1e-4, 1e-5, 0.00012345, 123456789.125, 1e22, 1e23, 1e308,
            1.7976931348623157e308, 5e-324, 2.2250738585072014e-308,
            2.225073858507201e-308, 0.30000000000000004, 100.0, 1.5e-7,
            2.0 ** 53, 2.0 ** 63, 2.0 ** -1022, 2.0 ** -1074, 3.14159,
            9007199254740993.0, 4.35, 1e-07, 123e-20]
    vals += [2.0 ** e for e in range(-1074, 1024, 37)]
    while len(vals) < 300:
        bits = rnd.getrandbits(64)
        v = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if v == v and v not in (float("inf"), float("-inf")):
            vals.append(v)
    print("static const struct xr_double_vec xr_double_vecs[] = {")
    for v in vals:
        bits = struct.unpack("<Q", struct.pack("<d", v))[0]
        print('\t{ 0x%016xULL, "%s" },' % (bits, repr(v)))
    print("};")


def pair_values():
    return [
        ("int", 42), ("int_min", -2147483648), ("int_max", 2147483647),
        ("bool_true", True), ("bool_false", False),
        ("string", "hello"), ("string_empty", ""),
        ("string_escapes", "a&b<c>d]]>e \"q\" 'x'"),
        ("string_utf8", "\u00e9\u6f22\u2603\U0001F600 tab\tnl\n"),
        ("string_ws", "   "),
        ("double", 0.1), ("double_exp", 1e-05), ("double_neg0", -0.0),
        ("datetime", datetime.datetime(2024, 1, 2, 3, 4, 5)),
        ("datetime_y1", datetime.datetime(1, 12, 31, 23, 59, 59)),
        ("base64_empty", xc.Binary(b"")),
        ("base64_bytes", xc.Binary(bytes(range(256)))),
        ("array_empty", []),
        ("array_mixed", [1, "two", 3.0, True, [], {}]),
        ("struct_empty", {}),
        ("struct_nested", {"name": "cat", "pid": 7, "ok": False,
                           "sub": {"a": [1, [2, [3]]], "&<>": "x"}}),
        ("reload_config", [[["added"], [], ["gone"]]]),
        ("deep", [[[[[[[[[[[[[[[[["leaf"]]]]]]]]]]]]]]]]]),
    ]


def pairs_section():
    print("static const struct xr_pair_vec xr_pair_vecs[] = {")
    for name, v in pair_values():
        req = xc.dumps((v,), "m").encode()
        resp = xc.dumps((v,), methodresponse=True).encode()
        assert xc.loads(req)[0][0] == xc.loads(resp)[0][0]
        print('\t{ "%s",\n\t    %s,\n\t    %s },' % (name, c_bytes(req),
                                                   c_bytes(resp)))
    print("};")


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    for sec, fn in (("escape", escape_section), ("double", double_section),
                    ("pairs", pairs_section)):
        if which in (sec, "all"):
            fn()
