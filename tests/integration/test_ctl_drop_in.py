"""fleetvisorctl as a drop-in supervisorctl (issue 6, "How it is checked").

Debian's /usr/bin/supervisorctl and fleetvisorctl (FLEETVISORCTL) run the
same scripted sessions against the same daemon, 4.2.5's supervisord and
fleetvisord in turn; exit status, stdout and stderr must match command
for command (ctldiff.py runs and compares them).  Skipped without
FLEETVISORCTL.

  test_readonly       status, pid, tail, maintail -N, avail, help for
                      every command, version, unknown commands, ';',
                      argument errors, options (-c, -s unix/http, -u/-p,
                      wrong password, no server, bad URL, -h, bad option,
                      the config search): one daemon, both clients.
  test_actions        start/stop/restart/signal/clear with names, groups,
                      all, bad names and no args; tail -f and maintail -f
                      (initial tail, a new line, SIGINT); fg on a pty.
  test_config         reread, update, avail, add, remove after config
                      edits; reload; shutdown; then the "no server" texts.
  test_shell          the interactive shell on a pty: status at start,
                      the prompt (default and prompt=), commands,
                      tail -f, maintail -f and fg with ^C back to the
                      prompt, the reload/shutdown confirmations, the
                      history_file= file and its recall (up arrow), -i
                      with a command, ^D, ^C and quit/exit, the
                      username/password prompts on 401.
  test_no_rpcinterface  a daemon without [rpcinterface:supervisor].

4.2.5 has no ';' between commands: the whole line goes to the first
command ("talker;" is a process name), although its changelog (3.0a5)
says otherwise.  Ours splits the line (issue 6); `semicolons` holds each
such line of ours to 4.2.5 running the commands one by one.

What is compared less than exactly: `version` (exit status only; the
output is recorded, see FV_CTLDIFF_DUMP in ctldiff); `-r` (4.2.5 ignores
it and writes no history: recorded only); a config that is not an ini
file (4.2.5 dies with a traceback: exit status only); the
terminal escape sequences of the shell (readline and libedit redraw
differently; ctldiff.screen_text shows what the terminal shows); the races
of 4.2.5 listed in ctldiff (the ^C echo, the interrupt of a stream, fg's
output thread, ^C at the prompt).
"""

import re

import fvharness as H
import rpcdiff as R
import test_ctl_compat as C
import ctldiff as D

def semicolons(s, *args, **kw):
    """A line with ';': ours runs its commands in turn, where 4.2.5 gives
    the whole line to the first command.  So ours gets the line, 4.2.5 gets
    each command as a run of its own, and what ours prints must be what
    those runs print one after the other, with the exit status of the last
    failure (4.2.5's exit status sticks once a command fails)."""
    line = " ".join(args)
    label = "ctl %r (';' between commands)" % line
    if not s.client.is_ref:
        return s(line, label=label, **kw)
    rc_all, out_all, err_all = 0, "", ""
    for part in line.split(";"):
        if not part.strip():
            continue
        rc, out, err = s.run([part.strip()])
        rc_all = rc if rc != 0 else rc_all
        out_all += out
        err_all += err
    s.record(label, ("ok", {"rc": rc_all, "stdout": s.n(out_all),
                           "stderr": s.n(err_all)}), "eq", norm=lambda v: v)
    return rc_all, out_all, err_all


COMMANDS = ("add", "avail", "clear", "exit", "fg", "help", "maintail",
            "open", "pid", "quit", "reload", "remove", "reread", "restart",
            "shutdown", "signal", "start", "status", "stop", "tail",
            "update", "version", "EOF")


def tcp_url(d):
    return "http://127.0.0.1:%d" % d.port


# ---------------------------------------------------------------------------
# Read-only: one daemon, both clients see the same logs

def script_readonly(s):
    ctl = s
    # status.
    ctl("status", expect_rc=3)
    ctl("status", "all", expect_rc=3)
    ctl("status", "talker", expect_rc=0)
    ctl("status", "talker", "quick", "grp:ga")
    ctl("status", "grp:*", expect_rc=0)
    ctl("status", "multi:*")
    ctl("status", "grp:")
    ctl("status", "grp")
    ctl("status", "nope")
    ctl("status", "grp:nope")
    ctl("status", "nope:*")
    ctl("status", "talker", "nope")
    ctl("status", "manual")
    ctl("status", "badcmd")
    # pid.
    ctl("pid", expect_rc=0, norm=C.norm_pids)
    ctl("pid", "talker", norm=C.norm_pids)
    ctl("pid", "manual")
    ctl("pid", "quick")
    ctl("pid", "all", norm=C.norm_pids)
    ctl("pid", "grp:*", norm=C.norm_pids)
    ctl("pid", "nope")
    ctl("pid", "talker", "cat", norm=C.norm_pids)
    # Commands that fail without acting.
    for args in (("start",), ("stop",), ("restart",), ("signal",),
                 ("signal", "USR1"), ("clear",), ("add",), ("remove",),
                 ("fg",), ("fg", "nope"), ("fg", "talker", "cat"),
                 ("start", "nope"), ("start", "talker"),
                 ("start", "grp:nope"), ("start", "nope:*"),
                 ("stop", "nope"), ("stop", "manual"),
                 ("stop", "manual", "nope"), ("restart", "nope"),
                 ("signal", "NOPE", "talker"), ("signal", "USR1", "nope"),
                 ("signal", "HUP", "manual"), ("signal", "USR1", "grp:nope"),
                 ("clear", "nope"), ("add", "nope"), ("add", "talker"),
                 ("remove", "nope"), ("remove", "talker"),
                 ("update", "nope"), ("avail", "x"), ("reread", "x"),
                 ("reload", "x"), ("shutdown", "x"), ("version", "x"),
                 ("maintail", "x"), ("maintail", "-x"),
                 ("maintail", "-f", "x"), ("maintail", "1", "2"),
                 ("pid", "nope", "talker"), ("open",), ("open", "foo://x"),
                 ("quit",), ("exit",), ("EOF",), ("quit", "x")):
        ctl(*args)
    # tail (no -f).
    for args in (("talker",), ("-5", "talker"), ("-100000", "talker"),
                 ("-0", "talker"), ("talker", "stderr"),
                 ("-4", "talker", "stderr"), ("talker", "stdout"),
                 ("talker", "nope"), ("merged",), ("merged", "stderr"),
                 ("quick",), ("quick", "stderr"), ("badcmd",),
                 ("badcmd", "stderr"), ("grp:ga",), ("multi:multi_00",),
                 ("nope",), ("grp:*",), ("grp:nope",), (), ("-x", "talker"),
                 ("-5",), ("-f",), ("-f", "nope"), ("-f", "talker", "x"),
                 ("talker", "stdout", "extra"), ("-5", "-5", "talker"),
                 ("5", "talker"), ("--", "talker")):
        ctl("tail", *args)
    # maintail -N: the same daemon, so the same bytes.
    for args in ((), ("-200",), ("-0",), ("-1",), ("-100000",)):
        ctl("maintail", *args)
    # avail, version, help.
    ctl("avail")
    rc, out, err = ctl("version", cmp="none")
    s.record("ctl version: exit status", ("ok", rc))
    s.record("ctl version: output (noted, not compared)",
             ("ok", out + err), cmp="none")
    ctl("help")
    for c in COMMANDS + ("nope", "help"):
        ctl("help", c)
    ctl("help", "status", "extra")
    # Unknown commands and ';'.
    ctl("nosuchcommand")
    ctl("nosuchcommand", "with", "args")
    semicolons(ctl, "status talker; pid manual")
    semicolons(ctl, "status", "talker;", "pid", "manual")
    semicolons(ctl, "status talker;nosuch;pid manual")
    semicolons(ctl, "nosuch; status talker")
    semicolons(ctl, "status talker;")
    semicolons(ctl, ";")
    ctl("")
    ctl(" ")
    ctl("STATUS")
    semicolons(ctl, "help;help status")
    readonly_options(s)


def readonly_options(s):
    d = s.d
    ctl = s
    sock = "unix://%s" % d.sock
    ctl("-s", sock, "status", "grp:*")
    ctl("-s", sock, "status", "grp:*", conf=False)
    ctl("-s", tcp_url(d), "-u", R.USER, "-p", R.PASSWORD, "status",
        "grp:*")
    ctl("-s", tcp_url(d) + "/", "-u", R.USER, "-p", R.PASSWORD, "status",
        "talker")
    ctl("-s", tcp_url(d) + "/RPC2", "-u", R.USER, "-p", R.PASSWORD,
        "status", "talker")
    ctl("-s", tcp_url(d), "-u", R.USER, "-p", R.PASSWORD, "tail", "talker")
    ctl("-s", tcp_url(d), "status", "talker")
    ctl("-s", tcp_url(d), "-u", R.USER, "-p", "wrong", "status", "talker")
    ctl("-s", tcp_url(d), "-u", "nobody", "-p", R.PASSWORD, "version")
    ctl("-s", tcp_url(d), "-u", R.USER, "-p", "wrong", "tail", "talker")
    ctl("-s", tcp_url(d), "-u", R.USER, "-p", "wrong", "maintail")
    ctl("-s", tcp_url(d), "-u", R.USER, "-p", "wrong", "avail")
    ctl("-s", tcp_url(d), "-u", R.USER, "-p", "wrong", "help")
    # open URL that works: the status of the server it names (4.2.5 keeps
    # the exit status from before it), by socket and by HTTP, with and
    # without the credentials HTTP asks for.
    ctl("open", sock)
    ctl("open", sock + "/")
    ctl("-u", R.USER, "-p", R.PASSWORD, "open", tcp_url(d))
    ctl("-u", R.USER, "-p", R.PASSWORD, "open", tcp_url(d) + "/RPC2")
    ctl("open", tcp_url(d))
    ctl("-s", "unix:///nonexistent/fv.sock", "open", sock)
    ctl("-s", "unix:///nonexistent/fv.sock", "status")
    ctl("-s", "unix:///nonexistent/fv.sock", "pid")
    ctl("-s", "unix:///nonexistent/fv.sock", "start", "talker")
    ctl("-s", "unix:///nonexistent/fv.sock", "tail", "talker")
    ctl("-s", "unix:///nonexistent/fv.sock", "maintail")
    ctl("-s", "unix:///nonexistent/fv.sock", "avail")
    ctl("-s", "unix:///nonexistent/fv.sock", "reread")
    ctl("-s", "unix:///nonexistent/fv.sock", "shutdown")
    ctl("-s", "unix:///nonexistent/fv.sock", "version")
    ctl("-s", "unix:///nonexistent/fv.sock", "help")
    ctl("-s", "unix://%s" % d.run.conf, "status",
        label="ctl -s unix://<a regular file> status")
    ctl("-s", "http://127.0.0.1:1", "status")
    ctl("-s", "http://127.0.0.1:1", "stop", "all")
    ctl("-s", "foo://bar", "status")
    ctl("-s", "127.0.0.1:9001", "status")
    ctl("-u", R.USER, "status", "talker")
    ctl("-p", R.PASSWORD, "status", "talker")
    ctl("-h", conf=False)
    ctl("--help", conf=False)
    ctl("-z", "status", conf=False)
    ctl("--nope", "status", conf=False)
    ctl("-c", conf=False)
    ctl("-c", "/nonexistent/fv.conf", "status", conf=False)
    ctl("status", "talker", conf=False,
        label="ctl (no -c, ./supervisord.conf in the cwd) status talker")
    empty = d.tmp / "emptydir"
    empty.mkdir(exist_ok=True)
    ctl("status", conf=False, cwd=empty,
        label="ctl (no -c, no config in the cwd) status")
    conf2 = d.tmp / "ctl-only.conf"
    conf2.write_text("[supervisorctl]\nserverurl = unix://%s\n" % d.sock)
    ctl("status", "talker", conf=conf2)
    conf3 = d.tmp / "ctl-tcp.conf"
    conf3.write_text("[supervisorctl]\nserverurl = %s\nusername = %s\n"
                     "password = %s\n" % (tcp_url(d), R.USER, R.PASSWORD))
    ctl("status", "talker", conf=conf3)
    ctl("-p", "wrong", "status", "talker", conf=conf3)
    conf4 = d.tmp / "ctl-none.conf"
    conf4.write_text("[supervisord]\n")
    ctl("status", conf=conf4)
    conf5 = d.tmp / "ctl-bad.conf"
    conf5.write_text("not an ini file\n")
    # 4.2.5 dies with a Python traceback: the exit status is compared.
    rc, out, err = ctl("status", conf=conf5, cmp="none")
    s.record("ctl -c <not an ini file> status: exit status", ("ok", rc))


def test_readonly():
    D.run_pair("ctl_readonly", script_readonly, shared=True)


# ---------------------------------------------------------------------------
# Actions: a fresh daemon per client

def script_actions(s):
    d = s.d
    ctl = s
    ctl("stop", "talker")
    ctl("stop", "talker")
    ctl("status", "talker")
    ctl("start", "talker")
    ctl("start", "talker")
    ctl("restart", "talker")
    ctl("start", "quick")
    d.wait_state("quick", "FATAL")
    ctl("start", "badcmd")
    d.wait_state("badcmd", "FATAL")
    ctl("start", "nope", "manual")
    ctl("stop", "manual", "nope")
    ctl("stop", "grp:*")
    ctl("start", "grp:*")
    ctl("restart", "grp:*")
    ctl("stop", "grp:ga", "grp:gb")
    ctl("start", "grp:ga", "grp:gb")
    ctl("stop", "grp:")
    ctl("start", "grp")
    ctl("restart", "grp:ga", "nope")
    ctl("stop", "multi:*")
    ctl("start", "multi:multi_01")
    ctl("stop", "all")
    ctl("status")
    ctl("start", "all")
    d.wait_states({"quick": "FATAL", "badcmd": "FATAL"})
    ctl("stop", "manual")
    ctl("restart", "all")
    d.wait_states({"quick": "FATAL", "badcmd": "FATAL"})
    ctl("stop", "manual")
    semicolons(ctl, "stop talker; start talker; status talker")
    semicolons(ctl, "stop talker; nosuch; start talker")
    semicolons(ctl, "start talker;")
    if d.states()["talker"] != "RUNNING":
        d.unix().supervisor.startProcess("talker")
    # signal.
    ctl("signal", "USR1", "talker")
    R.wait_text(lambda: R.outcome_of(d.unix().supervisor.
                                     readProcessStdoutLog, "talker", 0, 0),
                lambda o: o[0] == "ok" and "got SIGUSR1" in o[1], 10,
                "got SIGUSR1")
    ctl("signal", "usr1", "talker")
    ctl("signal", "SIGUSR1", "talker")
    ctl("signal", "10", "talker")
    ctl("signal", "CONT", "grp:*")
    ctl("signal", "CONT", "grp:ga", "multi:*")
    ctl("signal", "18", "all")
    ctl("signal", "CONT", "talker", "nope")
    d.wait_states({"talker": "RUNNING"})
    ctl("tail", "talker")
    # tail -f and maintail -f.
    follow(s, ("tail", "-f", "talker"), "out-line",
           lambda: d.unix().supervisor.signalProcess("talker", "HUP"),
           "got SIGHUP")
    follow(s, ("tail", "-f", "talker", "stderr"), "err-line",
           lambda: None, "err-line")
    follow(s, ("tail", "-f", "merged"), "m-err",
           lambda: d.unix().supervisor.stopProcess("merged"), "m-out")
    follow(s, ("maintail", "-f"), "entered RUNNING",
           lambda: d.unix().supervisor.startProcess("manual"),
           "spawned: 'manual'", norm_initial=True)
    ctl("maintail", "-5", label="maintail -5 (byte count only)",
        norm=lambda t: "%d bytes" % len(t.encode()))
    ctl("stop", "manual")
    # fg on a pty.
    for name, text in (("cat", b"hello fg\n"), ("manual", None),
                       ("nope", None), ("quick", None)):
        fg(s, name, text)
    s.record("cat stdout after fg", R.outcome_of(
        d.unix().supervisor.readProcessStdoutLog, "cat", 0, 0))
    # clear.
    ctl("clear", "talker")
    ctl("tail", "talker", label="tail talker after clear")
    ctl("clear", "grp:*")
    ctl("clear", "talker", "nope")
    ctl("clear", "all")
    ctl("tail", "merged", label="tail merged after clear all")


def follow(s, args, initial, trigger, new, norm_initial=False):
    before, after, err, rc = s.follow(args, initial, trigger, new)
    after, err = D.norm_interrupt(after, err)
    if norm_initial:
        # The main log gains lines of its own at any time (a success:
        # line a second after a spawn): whole lines that arrived before
        # the SIGINT took effect are not part of the comparison.
        after = re.sub(r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
                       r"[A-Z]{4} .*\n", "", after)
        # The main log's lines differ run to run: its header, the new
        # line and the byte count of the first tail are compared.
        first = before.split("\n", 1)
        head = first[0]
        body = first[1] if len(first) > 1 else ""
        new_at = body.rfind(new)
        shown = {"header": head, "has new": new_at >= 0,
                 "last line": R.norm_mainlog(
                     body[body.rfind("\n", 0, new_at) + 1:], s.d.tmp)
                 if new_at >= 0 else body[-200:]}
    else:
        shown = s.n(before)
    s.record("ctl %s (follow, then SIGINT)" % " ".join(args),
             ("ok", {"until SIGINT": shown, "after SIGINT": s.n(after),
                     "stderr": s.n(err), "rc": rc}), norm=lambda v: v)


def fg(s, name, text):
    """`fg NAME` on a pty: type a line, see the echo, detach with ^C."""
    t = s.spawn_pty(("fg", name), echo=False)
    try:
        if text is not None:
            t.wait_for("Ctrl-C")
            t.send(text)
            # The whole line, its newline too: ^C before the newline is
            # shown would cut it off the screen.
            t.pump(lambda p: text.decode() in
                   p.segment().split("Ctrl-C", 1)[-1], 10)
            t.send(b"\x03")
            t.pump(lambda p: "Exiting foreground" in p.segment() or
                   p.p.poll() is not None, 5)
            # 4.2.5 then waits for its output thread, which sits in a 30 s
            # select: an exit status 0 or "still running" both count as a
            # clean detach.
            rc = t.wait_exit(2)
            if rc == 0 or isinstance(rc, str):
                rc = "detached"
        else:
            rc = t.wait_exit(10)
        s.record("ctl fg %s (on a pty)%s" % (
            name, "" if text is None else ", typed %r, then ^C" % text),
            ("ok", {"rc": rc,
                    "shows": s.n(D.norm_fg_noise(D.screen_text(t.raw)))}),
            norm=lambda v: v)
    finally:
        t.close()


def test_actions():
    D.run_pair("ctl_actions", script_actions)


# ---------------------------------------------------------------------------
# Configuration changes, reload, shutdown

def script_config(s):
    d = s.d
    ctl = s
    d.start(settle={"keep": "RUNNING", "chg": "RUNNING", "rmme": "RUNNING",
                    "ga": "RUNNING"})
    ctl("reread")
    ctl("update")
    ctl("avail")
    progs = C.reload_programs()
    del progs["program:rmme"]
    progs["program:chg"]["command"] = R.LONG + " --hello changed"
    progs["program:newp"] = {"command": R.LONG, "startsecs": 1}
    progs["program:newoff"] = {"command": R.LONG, "autostart": False}
    progs["program:gb"] = {"command": R.LONG, "startsecs": 1}
    progs["group:grp"] = {"programs": "ga,gb"}
    d.write_config(progs)
    ctl("reread")
    ctl("reread")
    ctl("avail")
    ctl("status")
    ctl("add", "newp")
    d.wait_state("newp", "RUNNING")
    ctl("add", "newp")
    ctl("add", "nope", "newoff")
    ctl("status", "newoff")
    ctl("remove", "rmme")
    ctl("stop", "rmme")
    ctl("remove", "rmme")
    ctl("remove", "rmme")
    ctl("remove", "newoff", "nope")
    ctl("update", "chg")
    d.wait_state("chg", "RUNNING")
    ctl("update")
    d.wait_states({"ga": "RUNNING", "gb": "RUNNING"})
    ctl("update")
    ctl("avail")
    ctl("status")
    ctl("update", "all")
    ctl("update", "nope", "keep")
    # A program removed while running, the update stops it.
    progs2 = dict(progs)
    del progs2["program:keep"]
    d.write_config(progs2)
    ctl("update")
    ctl("status", "keep")
    # A broken config.
    good = d.run.conf.read_text()
    d.run.conf.write_text(good + "\n[program:broken]\nnumprocs=x\n")
    ctl("reread")
    ctl("update")
    ctl("avail")
    d.run.conf.write_text(good)
    # reload: same daemon, fresh children.
    before = {p["name"]: p["pid"]
              for p in d.unix().supervisor.getAllProcessInfo()}
    ctl("reload", expect_rc=0)

    def back():
        try:
            info = d.unix().supervisor.getAllProcessInfo()
        except Exception:         # noqa: BLE001
            return False
        st = {p["name"]: p for p in info}
        return info and all(
            p["statename"] == "RUNNING" or p["name"] == "newoff"
            for p in info) and all(
            st.get(k, {}).get("pid") not in (None, v)
            for k, v in before.items() if v)
    H.wait_until(back, 30, interval=0.2, what="daemon back after reload")
    ctl("status", label="status after reload")
    ctl("shutdown", expect_rc=0)
    d.run.wait_exit(30)
    for args in (("status",), ("status", "keep"), ("shutdown",),
                 ("reload",), ("start", "all"), ("stop", "keep"),
                 ("tail", "keep"), ("maintail",), ("avail",), ("reread",),
                 ("update",), ("pid",), ("version",), ("signal", "HUP",
                                                       "keep"),
                 ("clear", "keep"), ("fg", "keep"), ("add", "x"),
                 ("remove", "x"), ("tail", "-f", "keep"),
                 ("maintail", "-f"), ("help",), ("help", "status")):
        ctl(*args, label="ctl %s (daemon gone)" % " ".join(args))
    ctl("-s", "http://127.0.0.1:%d" % d.port, "status",
        label="ctl -s http://<the daemon's old port> status (daemon gone)")


def test_config():
    def mk(impl, name):
        return R.Daemon(impl, name, programs=C.reload_programs())
    D.run_pair("ctl_config", script_config, make_daemon=mk, settle=False)


# ---------------------------------------------------------------------------
# The interactive shell

def script_shell(s):
    d = s.d
    hist = d.tmp / "ctl.history"
    sh = D.Shell(s, ("-r", str(hist)), name="shell 1 (-r history)")
    sh.start()
    sh.cmd("status talker")
    sh.cmd("")
    sh.cmd("   ")
    sh.cmd("pid manual")
    sh.cmd("status grp:*")
    sh.cmd("nosuchcommand arg")
    sh.cmd("help")
    sh.cmd("help tail")
    sh.cmd("stop talker")
    sh.cmd("start talker")
    sh.cmd("tail -3 talker")
    sh.cmd("avail")
    # tail -f: ^C returns to the prompt.
    sh.pty.send(b"tail -f talker\n")
    sh.pty.wait_for("out-line")
    d.unix().supervisor.signalProcess("talker", "USR1")
    sh.pty.wait_for("got SIGUSR1")
    sh.pty.send(b"\x03")
    back = sh.wait_prompt()
    sh.record("tail -f talker, a new line, ^C",
              D.norm_interrupt_text(sh.cut()),
              {"prompt back": back})
    # maintail -f in the shell.
    sh.pty.send(b"maintail -f\n")
    sh.pty.wait_for("Ctrl-C")
    d.unix().supervisor.startProcess("manual")
    # startProcess returns when manual is RUNNING: its success line is the
    # last one the main log gets, so wait for it (not for "spawned") to
    # see the same last line every time.
    sh.pty.wait_for("success: manual entered RUNNING")
    sh.pty.send(b"\x03")
    back = sh.wait_prompt()
    text = D.norm_interrupt_text(sh.cut())
    sh.record("maintail -f, a new line, ^C (first and last lines)",
              "\n".join(R.norm_mainlog(x, d.tmp) for x in (
                  text.split("\n")[:2] + text.split("\n")[-3:])),
              {"prompt back": back})
    # reload, answered no.
    sh.answer(("reload", "n"), "y/N?", "reload, answered n")
    sh.answer(("reload", ""), "y/N?", "reload, answered with Enter")
    sh.cmd("status manual")
    sh.end(b"\x04", "^D at the prompt")
    # 4.2.5 ignores -r (it reads history_file= only, options.py keeps -r
    # under another name): recorded, not compared.
    s.record("history file after shell 1 (-r; 4.2.5 writes none)",
             ("ok", history(s, hist)), cmp="none")
    # -i with a command: 4.2.5 runs the command and exits.
    t = s.spawn_pty(("-i", "status", "talker"))
    rc = t.wait_exit(15)
    s.record("-i status talker (on a pty)", ("ok", {
        "rc": rc, "shows": s.n(D.screen_text(t.raw))}))
    t.close()
    # Shell 2: prompt= and history_file= from the config, ^C at the
    # prompt.  Shell 3 recalls shell 2's commands with the up arrow.
    hist2 = d.tmp / "ctl.history2"
    conf = d.tmp / "ctl-prompt.conf"
    conf.write_text("[supervisorctl]\nserverurl = unix://%s\n"
                    "prompt = fvt-prompt\nhistory_file = %s\n" % (
                        d.sock, hist2))
    sh2 = D.Shell(s, (), conf=conf, prompt="fvt-prompt> ",
                  name="shell 2 (prompt=, history_file=)")
    sh2.start()
    sh2.cmd("status manual")
    sh2.cmd("pid manual", norm=C.norm_pids)
    sh2.interrupt("^C at the prompt")
    s.record("history file after shell 2 (history_file=)",
             ("ok", history(s, hist2)))
    sh3 = D.Shell(s, (), conf=conf, prompt="fvt-prompt> ",
                  name="shell 3 (history recall)")
    sh3.start()
    sh3.pty.send(b"\x1b[A")
    sh3.pty.pump(lambda p: "pid manual" in p.segment(), 5)
    sh3.pty.send(b"\x1b[A\n")
    back = sh3.wait_prompt()
    sh3.record("up arrow twice, Enter (shell 2's 'status manual')",
               sh3.cut(), {"prompt back": back})
    sh3.end(b"quit now\n", "'quit now' (quit with an argument)")
    # Shell 4: the 401 prompts over TCP without credentials.
    (d.tmp / "ctl-bare.conf").write_text("[supervisorctl]\n")
    sh4 = D.Shell(s, ("-s", tcp_url(d)), conf=d.tmp / "ctl-bare.conf",
                  name="shell 4 (401)")
    asked = sh4.pty.wait_for("Username:")
    sh4.pty.send(R.USER.encode() + b"\n")
    asked = sh4.pty.wait_for("Password:") and asked
    sh4.pty.send(R.PASSWORD.encode() + b"\n")
    back = sh4.wait_prompt()
    sh4.record("start: username and password asked, then status",
               sh4.cut(), {"asked": asked, "prompt back": back})
    sh4.cmd("status talker")
    # fg in the shell: a line reaches cat, ^C detaches and returns to the
    # prompt.  4.2.5's output thread lingers after the detach (it may
    # print an AttributeError, and the shell may take up to 30 s to exit):
    # that noise is dropped and the exit is not waited for.
    shf = D.Shell(s, (), name="shell fg")
    shf.start()
    shf.pty.send(b"fg cat\n")
    shf.pty.wait_for("Ctrl-C")
    shf.pty.send(b"typed in fg\n")
    # The echo and cat's copy, each with its newline.
    shf.pty.pump(lambda p: p.segment().count("typed in fg\n") >= 2, 10)
    shf.pty.send(b"\x03")
    back = shf.wait_prompt()
    shf.record("fg cat, a typed line, ^C", D.norm_fg_noise(shf.cut()),
               {"prompt back": back})
    shf.cmd("status cat", norm=D.norm_fg_noise)
    shf.pty.close()
    # Shell 5: shutdown, answered y; then the daemon is gone.
    sh5 = D.Shell(s, (), name="shell 5 (shutdown)")
    sh5.start()
    sh5.answer(("shutdown", "N"), "y/N?", "shutdown, answered N")
    sh5.answer(("shutdown", "yes"), "y/N?", "shutdown, answered yes")
    d.run.wait_exit(30)
    sh5.cmd("status", what="status (daemon gone)")
    sh5.answer(("shutdown", "y"), "y/N?", "shutdown, answered y (daemon gone)")
    sh5.end(b"\x04", "^D at the prompt")
    sh4.cmd("status talker", what="status talker (daemon gone)")
    sh4.end(b"\x04", "^D at the prompt")


def history(s, path):
    if not path.exists():
        return "no history file"
    return s.n(path.read_text(errors="replace"))


def test_shell():
    try:
        D.run_pair("ctl_shell", script_shell)
    except AssertionError as e:
        # 4.2.5's fg races with itself: a ^C that lands while its main
        # thread is between sendProcessStdin and getProcessInfo rather
        # than in raw_input is missed and its shell never comes back, and
        # its output thread, which polls the log tail, sometimes shows a
        # line twice. That is the reference failing, not ours: run the
        # pair once more.
        ref = re.search(r"ref: \('ok', \{'shows': 'supervisor> fg cat"
                        r"[^}]*\}", str(e))
        if ref is None or not ("'prompt back': False" in ref.group(0) or
                               ref.group(0).count("typed in fg") >= 3):
            raise
        H.log("4.2.5's fg raced with itself; running the shell pair "
              "again")
        D.run_pair("ctl_shell", script_shell)


# ---------------------------------------------------------------------------
# No [rpcinterface:supervisor]

class BareDaemon(R.Daemon):
    """A daemon without the supervisor namespace."""

    def sections(self):
        secs = super().sections()
        del secs["rpcinterface:supervisor"]
        return secs

    def start(self, settle=None, timeout=25):
        self.write_config()
        self.run.start(args=("-n",))

        def up():
            try:
                return bool(self.unix().system.listMethods())
            except Exception:         # noqa: BLE001
                if not self.run.alive():
                    raise H.HarnessError("daemon died\n" +
                                         self.run.describe())
                return False
        H.wait_until(up, timeout, interval=0.1, what="system.listMethods")


def script_bare(s):
    for args in (("status",), ("status", "a"), ("start", "a"),
                 ("stop", "all"), ("pid",), ("avail",), ("version",),
                 ("tail", "a"), ("maintail",), ("reread",), ("update",),
                 ("clear", "a"), ("signal", "HUP", "a"), ("fg", "a"),
                 ("shutdown",), ("help",)):
        s(*args)
    semicolons(s, "status; pid")


def test_no_rpcinterface():
    def mk(impl, name):
        return BareDaemon(impl, name, programs={
            "program:a": {"command": R.LONG}})
    D.run_pair("ctl_bare", script_bare, make_daemon=mk, shared=True)
