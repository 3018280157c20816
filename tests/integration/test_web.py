"""The web interface: the status page and its actions, tail.html, ok.html,
and the /logtail and /mainlogtail streams (RELIABILITY C3 rotation row,
C5 path traversal), against 4.2.5 and fleetvisord on the same config.

Our HTML is our own by design, so pages are compared by structure (the
rows, their state classes, the actions each offers, the messages), never
byte for byte.  Requests carry Basic auth: rawhttp.Agent's inet server
asks for it, and the web routes sit behind it like /RPC2.

4.2.5 facts (measured with Debian's supervisord):
* GET /index.html?processname=X&action=start is held until the start is
  done, then answered 301 with Location http://HOST/?message=Process%20X
  %20started; the other words: "Process X stopped", "Process X
  restarted", "Log for X cleared", "No such process named X", "ERROR:
  Process X: no such file" (also spawn error, already started, ...),
  "unexpected rpc fault [70] NOT_RUNNING: X" (stop when stopped), "Page
  refreshed at <ctime>", "All stopped at <ctime>", "All restarted at
  <ctime>".  An unknown action is a 500 (ours: 400).
* tail.html shows the last max(limit, 1024) bytes of stdout; without a
  processname "No process name found"; a bad name "ERROR: unexpected rpc
  fault [10] BAD_NAME: X".  ok.html is "OK" as text/plain.
* /logtail/NAME[/stdout|/stderr]: 200, Content-Type
  text/plain;charset=utf-8, Last-Modified, X-Accel-Buffering: no,
  chunked; the last 1024 bytes, then what is appended; after an inode
  change the new file from its start.  After a truncation it means to
  send "==> File truncated <==\\n" and the file again, but hands medusa a
  str where bytes are due and the connection closes (ours sends both).  /mainlogtail the same
  without X-Accel-Buffering.  Unknown names, channels other than
  stdout/stderr and every traversal attempt are 404; a POST is 400
  (ours: 405).

Ours differs on purpose: its own forms POST (answered 303), its Location
is relative ("?message=..."), it refuses log files reached through a
symbolic link or not owned by it.
"""

import os
import re
import time
import urllib.parse
from html.parser import HTMLParser

import pytest

import fvharness as H
import rawhttp as R
from rawhttp import Conn, basic, request

PROGRAMS = {
    "program:talker": {
        "command": "{exit} --sleep inf --hello out-line --hello-err err-line",
        "stdout_logfile": "{tmp}/talker.out",
        "stdout_logfile_maxbytes": "0",
        "startsecs": 0},
    "program:manual": {"command": "{exit} --sleep inf", "autostart": False,
                       "startsecs": 1},
    "program:badcmd": {"command": "/nonexistent/fvt-nothing",
                       "autostart": False},
    "group:grp": {"programs": "ga"},
    "program:ga": {"command": "{exit} --sleep inf", "startsecs": 0},
}

IMPLS = H.implementations()
AUTH = basic(R.USER, R.PASSWORD)


@pytest.fixture(scope="module", params=IMPLS, ids=lambda i: i.name)
def agent_mod(request):
    a = R.Agent(request.param, "web", PROGRAMS)
    a.start()
    yield a
    a.stop()


@pytest.fixture
def agent(agent_mod):
    agent_mod.ensure()
    return agent_mod


def wait_talker_line(agent):
    H.wait_until(lambda: b"out-line" in _talker_log(agent), 10,
                 what="talker's first line")


def _talker_log(agent):
    try:
        return (agent.tmp / "talker.out").read_bytes()
    except OSError:
        return b""


def get(agent, path, method="GET", body=None, headers=(), timeout=30):
    hdrs = list(headers)
    if body is not None:
        hdrs.append(("Content-Type", "application/x-www-form-urlencoded"))
    r = R.one_shot(agent.addr, request(method, path, hdrs, body,
                                       auth=AUTH), timeout, method=method)
    return r


def message_of(r, path="/index.html"):
    """The message a redirect carries, after checking that it leads back
    to the status page."""
    assert r.status in (301, 303), r
    loc = r.header("Location")
    url = urllib.parse.urlsplit(urllib.parse.urljoin(
        "http://localhost" + path, loc))
    assert url.path in ("/", "/index.html"), loc
    q = urllib.parse.parse_qs(url.query)
    assert list(q) == ["message"], loc
    return q["message"][0]


def state_of(agent, name):
    info = agent.call("supervisor.getProcessInfo", name)
    assert not R.is_fault(info), info
    return info["statename"]


# ---------------------------------------------------------------------------
# Reading the status page by structure

class StatusParser(HTMLParser):
    """Rows of the status table: name, state text, state class, offered
    actions (link and button labels, hidden ones left out), plus the
    message line."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows = []
        self.message = None
        self.in_row = False
        self.cur = None
        self.stack = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a))
        if tag == "tr":
            self.cur = {"name": None, "state": None, "cls": None,
                        "actions": []}
        if tag == "div" and "status_msg" in (a.get("class") or ""):
            self.message = ""

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "tr" and self.cur is not None:
            if self.cur["name"] is not None:
                self.rows.append(self.cur)
            self.cur = None

    def handle_data(self, data):
        if not self.stack:
            return
        tag, a = self.stack[-1]
        if self.message is not None and tag == "div" and \
                "status_msg" in (a.get("class") or ""):
            self.message += data
            return
        if self.cur is None or not data.strip():
            return
        if tag == "span" and (a.get("class") or "").startswith("status"):
            self.cur["state"] = data.strip()
            self.cur["cls"] = a["class"]
        elif tag == "a" and "processname=" in (a.get("href") or "") and \
                (a.get("href") or "").startswith("tail.html"):
            self.cur["name"] = data.strip()
        elif tag in ("a", "button") and a.get("class") != "hidden":
            self.cur["actions"].append(data.strip())


def status(agent, path="/"):
    r = get(agent, path)
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/html;charset=utf-8"
    assert r.header("Cache-Control") == "no-cache"
    p = StatusParser()
    p.feed(r.body.decode("utf-8"))
    return p, r.body.decode("utf-8")


TAILS = ["Tail -f Stdout", "Tail -f Stderr"]


def test_status_page_lists_every_process(agent):
    H.wait_until(lambda: state_of(agent, "grp:ga") == "RUNNING", 10,
                 what="ga running")
    p, _ = status(agent)
    rows = {r["name"]: r for r in p.rows}
    # 4.2.5's order: by group, then name.
    assert [r["name"] for r in p.rows] == ["badcmd", "grp:ga", "manual",
                                           "talker"], p.rows
    assert rows["talker"]["state"] == "running"
    assert rows["talker"]["cls"] == "statusrunning"
    assert rows["talker"]["actions"] == ["Restart", "Stop", "Clear Log"] + \
        TAILS
    assert rows["manual"]["state"] == "stopped"
    assert rows["manual"]["cls"] == "statusnominal"
    assert rows["manual"]["actions"] == ["Start", "Clear Log"] + TAILS
    assert p.message is None
    # index.html and "//" are the same page.
    p2, _ = status(agent, "/index.html")
    assert [r["name"] for r in p2.rows] == [r["name"] for r in p.rows]


def test_ours_renders_post_forms(agent):
    if agent.is_ref:
        pytest.skip("4.2.5's page uses GET links")
    _, html = status(agent)
    assert html.count('method="post"') == 5     # buttons + 4 rows
    assert "action=start" not in html
    r = get(agent, "/stylesheets/supervisor.css")
    assert r.status == 200 and r.header("Content-Type") == "text/css"


def test_get_actions_like_425(agent):
    def act(query):
        return message_of(get(agent, "/index.html?" + query))

    assert act("processname=manual&action=start") == \
        "Process manual started"
    assert state_of(agent, "manual") == "RUNNING"
    assert act("processname=manual&action=start") == \
        "ERROR: Process manual: already started"
    assert act("processname=manual&action=stop") == "Process manual stopped"
    assert state_of(agent, "manual") == "STOPPED"
    assert act("processname=manual&action=stop") == \
        "unexpected rpc fault [70] NOT_RUNNING: manual"
    assert act("processname=grp%3Aga&action=restart") == \
        "Process grp:ga restarted"
    assert act("processname=grp:ga&action=clearlog") == \
        "Log for grp:ga cleared"
    assert act("processname=nope&action=start") == \
        "No such process named nope"
    assert act("processname=grp:*&action=stop") == \
        "No such process named grp:*"
    assert act("processname=badcmd&action=start") == \
        "ERROR: Process badcmd: no such file"
    assert re.fullmatch(r"Page refreshed at \w{3} \w{3} [ \d]\d "
                        r"\d\d:\d\d:\d\d \d{4}", act("action=refresh"))
    # The message comes back escaped on the page.
    p, html = status(agent, "/?message=" + urllib.parse.quote(
        "Process <b>x</b> started"))
    assert p.message == "Process <b>x</b> started"
    assert "<b>x</b>" not in html


def test_post_actions(agent):
    r = get(agent, "/index.html", "POST",
            "processname=manual&action=start")
    if not agent.is_ref:
        assert r.status == 303, r
    assert message_of(r) == "Process manual started"
    assert state_of(agent, "manual") == "RUNNING"
    # The body wins over the query, as in 4.2.5.
    r = get(agent, "/index.html?action=start", "POST",
            "processname=manual&action=stop")
    assert message_of(r) == "Process manual stopped"


def test_unknown_action_is_an_error(agent):
    r = get(agent, "/index.html?processname=manual&action=bogus")
    # 4.2.5: 500 (an uncaught ValueError); ours: 400.
    assert r.status == (500 if agent.is_ref else 400), r


def test_stopall_restartall(agent):
    assert message_of(get(agent, "/index.html?action=stopall")).startswith(
        "All stopped at ")
    assert state_of(agent, "talker") == "STOPPED"
    assert state_of(agent, "grp:ga") == "STOPPED"
    assert message_of(get(agent, "/?action=restartall")).startswith(
        "All restarted at ")
    H.wait_until(lambda: state_of(agent, "talker") == "RUNNING", 10,
                 what="talker running again")


def test_tail_html(agent):
    wait_talker_line(agent)
    r = get(agent, "/tail.html?processname=talker&limit=5")
    assert r.status == 200 and \
        r.header("Content-Type") == "text/html;charset=utf-8"
    body = r.body.decode()
    assert "out-line" in body
    assert "Supervisor tail of process talker" in body
    # At least 1024 bytes are asked for, and the refresh link says so.
    assert "tail.html?processname=talker&amp;limit=1024" in body
    body = get(agent, "/tail.html").body.decode()
    assert "No process name found" in body
    assert "tail.html?" not in body
    body = get(agent, "/tail.html?processname=nope").body.decode()
    assert "ERROR: unexpected rpc fault [10] BAD_NAME: nope" in body


def test_ok_html(agent):
    r = get(agent, "/ok.html")
    assert r.status == 200
    assert r.header("Content-Type") == "text/plain"
    assert r.body == b"OK"


def test_unknown_pages_404(agent):
    for path in ("/nonexistent", "/index.html/x", "/tail.htmlx",
                 "/ok.html/", "/stylesheets/nope.css", "/logtail"):
        r = get(agent, path)
        if agent.is_ref and path == "/logtail":
            assert r.status == 500      # 4.2.5 trips on the split
            continue
        assert r.status == 404, (path, r)


# ---------------------------------------------------------------------------
# Streams

class Stream:
    """A GET of an endless chunked response, read as it comes."""

    def __init__(self, agent, path):
        self.conn = Conn(agent.addr, timeout=10)
        self.conn.send(request("GET", path, auth=AUTH))
        self.head = self.conn.read_head(10)
        self.data = b""

    def read_until(self, pred, timeout=10, what="stream data"):
        deadline = time.monotonic() + timeout
        while not pred(self.data):
            if time.monotonic() > deadline:
                raise H.HarnessError("timed out waiting for %s; have %r" %
                                     (what, self.data[-300:]))
            line = self.conn._take_until(b"\r\n", deadline)
            size = int(line.split(b";")[0], 16)
            assert size > 0, "the stream ended"
            self.data += self.conn._take(size, deadline)
            self.conn._take(2, deadline)
        return self.data

    def close(self):
        self.conn.close()


def test_logtail_channels_and_names(agent):
    wait_talker_line(agent)
    for path, want in (("/logtail/talker/stderr", b"err-line"),
                       ("/logtail/talker/stdout", b"out-line"),
                       ("/logtail/grp%3Aga", None),
                       ("/logtail/grp:ga/stderr", None)):
        s = Stream(agent, path)
        try:
            assert s.head.status == 200, (path, s.head)
            if want:
                s.read_until(lambda d: want in d, what=path)
        finally:
            s.close()


def test_logtail_follows_rotation_and_truncation(agent):
    log = agent.tmp / "talker.out"
    big = bytes(ord("a") + i % 26 for i in range(3000)) + b"\nEND\n"
    with open(log, "ab") as f:
        f.write(big)
    whole = log.read_bytes()
    s = Stream(agent, "/logtail/talker")
    try:
        h = s.head
        assert h.status == 200, h
        assert h.header("Content-Type") == "text/plain;charset=utf-8"
        assert h.header("Transfer-Encoding") == "chunked"
        assert h.header("X-Accel-Buffering") == "no"
        assert h.header("Content-Length") is None
        assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT",
                            h.header("Last-Modified") or "")
        # The last 1024 bytes, exactly.
        s.read_until(lambda d: len(d) >= 1024, what="the first 1024 bytes")
        assert s.data == whole[-1024:]
        with open(log, "ab") as f:
            f.write(b"follow-1\n")
        s.read_until(lambda d: d.endswith(b"follow-1\n"), what="follow-1")
        # Rotation: a new file under the same name, sent from its start.
        os.rename(log, str(log) + ".1")
        with open(log, "wb") as f:
            f.write(b"rotated-1\n")
        s.read_until(lambda d: d.endswith(b"rotated-1\n"), what="rotation")
        # Truncation in place: the notice, then the file again.
        n = len(s.data)
        os.truncate(log, 0)
        if agent.is_ref:
            # 4.2.5 returns the notice as str where bytes are due, and
            # the stream dies on it (measured: the connection closes).
            with pytest.raises(R.Closed):
                s.read_until(lambda d: b"==> File truncated <==\n" in d[n:],
                             what="the truncation notice")
            return
        s.read_until(lambda d: b"==> File truncated <==\n" in d[n:],
                     what="the truncation notice")
        with open(log, "ab") as f:
            f.write(b"after-trunc\n")
        s.read_until(lambda d: d.endswith(b"after-trunc\n"),
                     what="after-trunc")
        assert s.data[n:] == b"==> File truncated <==\nafter-trunc\n"
    finally:
        s.close()
    agent.assert_healthy("after logtail")


def test_mainlogtail(agent):
    s = Stream(agent, "/mainlogtail")
    try:
        assert s.head.status == 200
        assert s.head.header("Content-Type") == "text/plain;charset=utf-8"
        assert s.head.header("X-Accel-Buffering") is None
        assert s.head.header("Last-Modified")
        s.read_until(lambda d: len(d) > 0, what="main log tail")
        assert s.data in agent.run.mainlog.read_bytes()
        # A new main-log line arrives on the stream.
        get(agent, "/index.html?processname=manual&action=start")
        s.read_until(lambda d: b"spawned: 'manual'" in d, what="new lines")
    finally:
        s.close()
    get(agent, "/index.html?processname=manual&action=stop")


C5_PATHS = [
    "/logtail/../../etc/passwd",
    "/logtail/talker/..%2f..%2fetc%2fpasswd",
    "/logtail/..%2f..%2fetc%2fpasswd",
    "/logtail/%2e%2e/%2e%2e/etc/passwd",
    "/logtail/talker%00",
    "/logtail/talker%00/stdout",
    "/logtail/talker/stdout%00",
    "/logtail/talker/stdin",
    "/logtail/talker/",
    "/logtail/talker/stdout/",
    "/logtail/talker/stdout/../x",
    "/logtail/talker/../../x",
    "/logtail/nope",
    "/logtail/nope%3atalker",
    "/logtail/grp%3A",
    "/logtail/grp:*",
    "/logtail/grp%3Anope",
    "/logtail/",
    "/logtail//talker",
    "/logtail/%2ftmp%2ftalker.out",
]


def test_logtail_c5_404(agent):
    for path in C5_PATHS:
        r = get(agent, path, timeout=5)
        assert r.status == 404, (path, r)
    r = get(agent, "/logtail/talker", "POST", "x=1")
    assert r.status == (400 if agent.is_ref else 405), r
    agent.assert_healthy("after C5 probes")


def test_logtail_refuses_symlinked_log(agent):
    """A log path swapped for a link: ours answers 404 (O_NOFOLLOW), 4.2.5
    follows the link (recorded only)."""
    log = agent.tmp / "talker.out"
    saved = str(log) + ".saved"
    os.rename(log, saved)
    try:
        os.symlink("/etc/hostname", log)
        r = get(agent, "/logtail/talker", timeout=5) if not agent.is_ref \
            else None
        if r is not None:
            assert r.status == 404, r
    finally:
        os.unlink(log)
        os.rename(saved, log)
