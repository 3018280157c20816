"""pki: a small CA and its certificates, made with openssl at test time by
the very commands deploy/fleet-security.md gives (keep the two in step).

  ca = Pki(dir, "fleet")                  # fleet-ca.pem / fleet-ca.key
  ca.issue("controller", server=True, names=["127.0.0.1", "localhost"])
  ca.issue("agent-n01")                   # client certificates
  ca.cert("agent-n01"), ca.key("agent-n01")
"""

import ipaddress
import subprocess
from pathlib import Path

CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]


def _run(argv, cwd):
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        raise RuntimeError("%s: %s%s" % (" ".join(argv), p.stdout, p.stderr))


class Pki:
    def __init__(self, directory, name):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.ca_cert = self.dir / ("%s-ca.pem" % name)
        self.ca_key = self.dir / ("%s-ca.key" % name)
        _run(["openssl", "req", "-x509", "-new", "-nodes"] + CURVE +
             ["-keyout", str(self.ca_key), "-out", str(self.ca_cert),
              "-days", "3650", "-subj", "/CN=%s fleet CA" % name], self.dir)

    def cert(self, who):
        return self.dir / ("%s.pem" % who)

    def key(self, who):
        return self.dir / ("%s.key" % who)

    def issue(self, who, server=False, names=()):
        """A certificate for `who` signed by this CA: serverAuth with the
        names (DNS or IP) for a controller, clientAuth for agents and
        clients."""
        csr = self.dir / ("%s.csr" % who)
        ext = self.dir / ("%s.ext" % who)
        _run(["openssl", "req", "-new", "-nodes"] + CURVE +
             ["-keyout", str(self.key(who)), "-out", str(csr),
              "-subj", "/CN=%s" % who], self.dir)
        lines = ["basicConstraints=CA:FALSE",
                 "keyUsage=digitalSignature",
                 "extendedKeyUsage=%s" %
                 ("serverAuth" if server else "clientAuth")]
        if names:
            alt = []
            for n in names:
                try:
                    ipaddress.ip_address(n)
                    alt.append("IP:%s" % n)
                except ValueError:
                    alt.append("DNS:%s" % n)
            lines.append("subjectAltName=" + ",".join(alt))
        ext.write_text("\n".join(lines) + "\n")
        _run(["openssl", "x509", "-req", "-in", str(csr),
              "-CA", str(self.ca_cert), "-CAkey", str(self.ca_key),
              "-CAcreateserial", "-days", "825", "-out", str(self.cert(who)),
              "-extfile", str(ext)], self.dir)
        self.key(who).chmod(0o600)
        return self.cert(who), self.key(who)
