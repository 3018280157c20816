"""tls+tcp:// everywhere, with a CA and certificates made by openssl at
test time (pki.py, the commands of deploy/fleet-security.md).

  test_clients          a client with a certificate of the fleet's CA is
                        served; one with a certificate of another CA, one
                        without a certificate (clients_verify=true) and a
                        plain tcp:// client are refused
  test_clients_verify_off  clients_verify=false: a client without a
                        certificate is served, and still verifies the
                        controller (a client trusting another CA fails)
  test_agent_handshakes the agents' port by hand (fleetwire over Python's
                        ssl): a fleet certificate and the node's secret
                        join; a fleet certificate claiming another node
                        with the wrong secret is refused (REASON_BAD_PROOF);
                        a certificate of another CA or none never gets a
                        TLS session
  test_real_agents      (needs the agent's fleet link) fleetvisord agents
                        over TLS join and run commands; an agent with
                        another CA's certificate never appears; an agent
                        with a valid certificate that claims another
                        agent's name with its own secret is refused and the
                        real one keeps its session
"""

import ssl

import pytest

import fleetharness as F
import fleetwire as W
import fvharness as H
import pki

pytestmark = pytest.mark.skipif(
    F.binaries_missing() is not None, reason=str(F.binaries_missing()))


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    fleet = pki.Pki(d, "fleet")
    fleet.issue("controller", server=True, names=["127.0.0.1", "localhost"])
    for who in ("client", "agent-n01", "agent-n02", "agent-n03",
                "agent-fake"):
        fleet.issue(who)
    other = pki.Pki(d, "other")
    other.issue("rogue")
    return fleet, other


def tls_controller(fleet, clients_verify=True, name="ctr-tls"):
    a, c = F.free_port_pair(), F.free_port_pair()
    return F.Controller(
        name=name,
        agents="tls+tcp://127.0.0.1:%d" % a,
        clients="tls+tcp://127.0.0.1:%d" % c,
        keys={"tls_ca": str(fleet.ca_cert),
              "tls_cert": str(fleet.cert("controller")),
              "tls_key": str(fleet.key("controller")),
              "agents_verify": True,
              "clients_verify": clients_verify})


def tls_opts(ca, cert=None, key=None, t=2):
    """Client options; a short deadline where refusals are expected."""
    o = ["-t", str(t), "--tls-ca", str(ca)]
    if cert:
        o += ["--tls-cert", str(cert), "--tls-key", str(key)]
    return o


def py_tls(ca, cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(ca))
    ctx.check_hostname = False
    if cert:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


@pytest.fixture(scope="module")
def ctr(certs):
    fleet, _ = certs
    c = tls_controller(fleet)
    ok = False
    try:
        c.start()
        yield c
        ok = True
    finally:
        c.close(keep=not ok)


def hosts_rc(ctr, opts, url=None):
    f = F.Fleet(0, controller=ctr)
    return f.ctl("hosts", url=url, opts=opts, timeout=30)


def test_clients(certs, ctr):
    fleet, other = certs
    rc, out, err = hosts_rc(ctr, tls_opts(fleet.ca_cert,
                                          fleet.cert("client"),
                                          fleet.key("client")))
    assert rc == 0 and out.startswith("NODE"), (rc, out, err)
    # Another CA's certificate, and none at all.
    for opts in (tls_opts(fleet.ca_cert, other.cert("rogue"),
                          other.key("rogue")),
                 tls_opts(fleet.ca_cert)):
        rc, out, err = hosts_rc(ctr, opts)
        assert rc == 1 and "cannot connect" in out + err and \
            "NODE" not in out, (opts, rc, out, err)
    # Plain tcp:// at a TLS port.
    rc, out, err = hosts_rc(ctr, ["-t", "2"],
                            url=ctr.clients_url.replace("tls+tcp", "tcp"))
    assert rc == 1 and "NODE" not in out, (rc, out, err)
    # A client that does not trust the controller's CA refuses it.
    rc, out, err = hosts_rc(ctr, tls_opts(other.ca_cert,
                                          fleet.cert("client"),
                                          fleet.key("client")))
    assert rc == 1 and "NODE" not in out, (rc, out, err)
    # A client that would not verify the controller does not try.
    for opts, why in ((["--tls-cert", str(fleet.cert("client")),
                        "--tls-key", str(fleet.key("client"))],
                       "give --tls-ca"),
                      (tls_opts(fleet.ca_cert, fleet.cert("client"),
                                fleet.key("client")) +
                       ["--tls-verify", "no"], "is refused")):
        rc, out, err = hosts_rc(ctr, opts)
        assert rc != 0 and why in out + err and "NODE" not in out, \
            (opts, rc, out, err)
    assert ctr.run.alive()


def test_clients_verify_off(certs):
    fleet, other = certs
    c = tls_controller(fleet, clients_verify=False, name="ctr-tls-open")
    ok = False
    try:
        c.start()
        rc, out, err = hosts_rc(c, tls_opts(fleet.ca_cert))
        assert rc == 0 and out.startswith("NODE"), (rc, out, err)
        rc, out, err = hosts_rc(c, tls_opts(other.ca_cert))
        assert rc == 1 and "NODE" not in out, (rc, out, err)
        # The agents' port still requires a certificate.
        with pytest.raises((ssl.SSLError, OSError, W.WireError)):
            W.SP(c.agents_url, W.RESPONDENT, py_tls(fleet.ca_cert),
                 timeout=5).recv(5)
        ok = True
    finally:
        c.close(keep=not ok)


def test_agent_handshakes(certs, ctr):
    fleet, other = certs
    for node in ("fa01", "fa02"):
        ctr.add_node(node, F.make_secret(ctr.tmp / ("%s.secret" % node)))
    good = py_tls(fleet.ca_cert, fleet.cert("agent-fake"),
                  fleet.key("agent-fake"))
    a = W.FakeAgent(ctr.agents_url, "fa01",
                    W.read_secret(ctr.secrets / "fa01"), good)
    verdict, body = a.join()
    assert verdict == "ack", body
    a.beat()
    # The same kind of certificate, claiming fa02 with fa01's secret.
    b = W.FakeAgent(ctr.agents_url, "fa02",
                    W.read_secret(ctr.secrets / "fa01"), good)
    verdict, body = b.join()
    assert verdict == "refused" and W.one(body, 4) == 1, body  # BAD_PROOF
    ctr.wait_log(r"^refused node fa02 .*proof", 5)
    b.close()
    # Another CA's certificate, and none: no TLS session, no Challenge.
    for ctx in (py_tls(fleet.ca_cert, other.cert("rogue"),
                       other.key("rogue")), py_tls(fleet.ca_cert)):
        with pytest.raises((ssl.SSLError, OSError, W.WireError)):
            W.SP(ctr.agents_url, W.RESPONDENT, ctx, timeout=5).recv(5)
    rows = W.hosts(ctr.clients_url, py_tls(fleet.ca_cert, fleet.cert(
        "client"), fleet.key("client")))
    assert rows.get("fa01") == W.HOST_CONNECTED and "fa02" not in rows, rows
    a.close()


def test_real_agents(certs):
    fleet, other = certs
    c = tls_controller(fleet, name="ctr-tls-agents")

    def tls_keys(who, pk=fleet):
        return {"tls_ca": str(fleet.ca_cert), "tls_cert": str(pk.cert(who)),
                "tls_key": str(pk.key(who)), "tls_verify": "true"}
    f = F.Fleet(2, controller=c)
    f.client_opts = tls_opts(fleet.ca_cert, fleet.cert("client"),
                             fleet.key("client"), t=15)
    for a, who in zip(f.agents, ("agent-n01", "agent-n02")):
        a.fleet_keys.update(tls_keys(who))
        a.configure()
    ok = False
    extra = []
    try:
        f.start()
        rc, out, err = f.ctl("status", "web")
        assert rc == 0 and out.count("RUNNING") == 2, (out, err)
        before = f.hosts()
        # Another CA's certificate: the agent never gets in.
        rogue = F.Agent("n03", [c.agents_url],
                        fleet=tls_keys("rogue", other))
        c.add_node("n03", rogue.secret)
        extra.append(rogue)
        # A fleet certificate, n02's name, its own secret.
        imp = F.Agent("n02", [c.agents_url], fleet=tls_keys("agent-n03"))
        extra.append(imp)
        n_refused = len(c.run.find(r"^refused node n02"))
        rogue.start()
        imp.start()
        c.wait_log(r"^refused node n02 .*proof", 15, count=n_refused + 1)
        # Three heartbeats later, the registry still has only n01 and n02,
        # and n02 is the same instance.
        t = f.hosts()["n01"]["last_seen"]
        seen = [t]

        def three_beats():
            rows = f.hosts()
            assert "n03" not in rows, rows
            assert rows["n02"]["instance_id"] == \
                before["n02"]["instance_id"], rows
            if rows["n01"]["last_seen"] != seen[-1]:
                seen.append(rows["n01"]["last_seen"])
            return len(seen) >= 4
        H.wait_until(three_beats, 15, interval=0.3, what="three heartbeats")
        ok = True
    finally:
        for a in extra:
            a.close(keep=not ok)
        f.close(keep=not ok)


DEPLOY = H.REPO / "deploy"


def test_security_doc_commands(tmp_path):
    """The openssl commands of deploy/fleet-security.md (sections 1 to 3),
    run as written, make certificates the CA verifies."""
    import re
    import subprocess
    doc = (DEPLOY / "fleet-security.md").read_text()
    head = doc.split("## 4.")[0]
    blocks = re.findall(r"```sh\n(.*?)```", head, re.S)
    assert len(blocks) == 3, blocks
    script = "set -e\n" + "\n".join(blocks) + \
        "\nfor c in controller web-1 alice; do " \
        "openssl verify -CAfile fleet-ca.pem $c.pem; done\n"
    p = subprocess.run(["bash", "-c", script], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count(": OK") == 3, p.stdout


def test_example_agent_config(tmp_path, certs):
    """deploy/examples/agent-fleet.conf parses (paths moved into a temp
    dir) and its [fleet] section reads as documented."""
    import json
    import shutil
    import subprocess
    fleet, _ = certs
    text = (DEPLOY / "examples" / "agent-fleet.conf").read_text()
    for d in ("/etc/fleetvisor/", "/run/fleetvisor/", "/var/log/fleetvisor"):
        text = text.replace(d, str(tmp_path) + "/")
    text = text.replace("user=www-data\n", "")
    conf = tmp_path / "supervisord.conf"
    conf.write_text(text)
    shutil.copy(fleet.ca_cert, tmp_path / "fleet-ca.pem")
    shutil.copy(fleet.cert("agent-n01"), tmp_path / "web-1.pem")
    shutil.copy(fleet.key("agent-n01"), tmp_path / "web-1.key")
    F.make_secret(tmp_path / "fleet.secret")
    p = subprocess.run([F.FV, "-c", str(conf), "--dump-config"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)["fleet"]
    assert got["controller"] == ["tls+tcp://ctl1.example.net:7400",
                                 "tls+tcp://ctl2.example.net:7400"], got
    assert got["name"] == "web-1" and got["tls_verify"] is True, got
    assert got["labels"] == {"role": "web", "dc": "eu-west"}, got
    assert got["heartbeat"] == 5, got
