"""FastCGI programs: [fcgi-program:x] with a unix and a tcp socket.

The daemon creates the listening socket and every process of the group
gets it as fd 0.  Observed from outside: /proc/PID/fd/0 names
socket:[INODE], and that inode is the one listening on the path (in
/proc/net/unix) or on the port (in /proc/net/tcp).

4.2.5 facts (measured):
* It logs "Creating socket URL" / "Closing socket URL" (INFO).  It opens
  the socket once at startup to check it and closes it again at once,
  then creates it anew before the first spawn of the group.
* The socket is reference counted by the running processes: when the
  last process of the group has been reaped it logs "Closing socket" and
  closes it, and a client connecting while every process is between exit
  and restart is refused.  The next spawn makes a new socket (new inode).
* socket_mode and socket_owner are applied to the unix socket file.
* At shutdown it closes the socket but leaves the unix socket file in
  place.

Safe behaviour asserted for fleetvisord (ours_only): the listening socket
lives as long as the group, so connections queue in the backlog while
processes restart (same inode before and after), and the unix socket
file is removed at shutdown.  The Creating/Closing socket lines are left
out of the transcript comparison (their number follows the socket's
lifetime) and recorded.
"""

import errno
import grp
import os
import pwd
import re
import signal
import socket
import stat
import time

import pytest

import fvharness as H
from scenario import Call, Scenario, WaitLog, execute

GROUPS = ("t", "u")
PROCS = ["%s_%d" % (g, i) for g in GROUPS for i in (0, 1)]


free_port = H.free_port


def pick_port(ctx):
    ctx.run.subst_extra["port"] = ctx.vars["port"] = free_port()


# -- /proc -------------------------------------------------------------------

def fd0_inode(pid):
    """Inode of the socket that is fd 0 of pid, or None."""
    try:
        target = os.readlink("/proc/%d/fd/0" % pid)
    except OSError:
        return None
    m = re.fullmatch(r"socket:\[(\d+)\]", target)
    return int(m.group(1)) if m else target


def unix_listener(path):
    """Inode of the socket listening on the unix path, or None."""
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            # Num RefCount Protocol Flags Type St Inode Path
            if len(parts) >= 8 and parts[7] == str(path) and \
                    int(parts[3], 16) & 0x10000:          # __SO_ACCEPTCON
                return int(parts[6])
    return None


def tcp_listener(port):
    """Inode of the socket listening on 127.0.0.1:port, or None."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            if parts[1] == want and parts[3] == "0A":       # TCP_LISTEN
                return int(parts[9])
    return None


def listener(ctx, g):
    if g == "u":
        return unix_listener(ctx.run.tmp / "u.sock")
    return tcp_listener(ctx.vars["port"])


def try_connect(ctx, g):
    """None if a client can connect to group g's socket, else the error."""
    if g == "u":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = str(ctx.run.tmp / "u.sock")
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = ("127.0.0.1", ctx.vars["port"])
    s.settimeout(3)
    try:
        s.connect(addr)
        return None
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e)) if e.errno else str(e)
    finally:
        s.close()


def latest_pids(ctx):
    return {p: ctx.run.spawned(p)[-1] for p in PROCS}


# -- steps -------------------------------------------------------------------

def sockets_are_fd0(key):
    """Each process's fd 0 is its group's listening socket, and a client
    can connect; the listening inodes go to ctx.vars[key]."""
    def fn(ctx):
        _sockets_are_fd0(ctx, key)
    fn.__name__ = "sockets_are_fd0_" + key
    return fn


def _sockets_are_fd0(ctx, key):
    pids = latest_pids(ctx)
    inodes = {}
    for g in GROUPS:
        lis = listener(ctx, g)
        assert lis is not None, "nothing listens for group %s" % g
        for i in (0, 1):
            pid = pids["%s_%d" % (g, i)]
            got = fd0_inode(pid)
            assert got == lis, "%s_%d (pid %d): fd 0 is %r, the listening " \
                "socket is socket:[%d]" % (g, i, pid, got, lis)
        err = try_connect(ctx, g)
        assert err is None, "connect to group %s: %s" % (g, err)
        inodes[g] = lis
    ctx.vars[key] = inodes


def socket_file_attrs(ctx):
    st = os.lstat(ctx.run.tmp / "u.sock")
    assert stat.S_ISSOCK(st.st_mode), oct(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    assert st.st_uid == pwd.getpwnam("nobody").pw_uid, st.st_uid
    assert st.st_gid == grp.getgrnam("nogroup").gr_gid, st.st_gid


def gate_and_kill(ctx):
    """Make the next start of every process fail at once (BACKOFF 1 s),
    then SIGKILL the running processes."""
    for g in GROUPS:
        (ctx.run.tmp / ("gate-" + g)).touch()
    ctx.vars["spawns_before_kill"] = {p: len(ctx.run.spawned(p))
                                      for p in PROCS}
    for pid in latest_pids(ctx).values():
        os.kill(pid, signal.SIGKILL)


def _between(ctx, g):
    """True when every process of g has been respawned after the kill and
    its (gated) exit has been logged: all are in BACKOFF."""
    recs = ctx.run.records()
    for i in (0, 1):
        p = "%s_%d" % (g, i)
        sp = [r for r in recs if r.msg.startswith("spawned: '%s' " % p)]
        ex = [r for r in recs if r.msg.startswith("exited: %s " % p)]
        if len(sp) <= ctx.vars["spawns_before_kill"][p] or \
                len(ex) != len(sp):
            return False
    return not any(H.pid_alive(ctx.run.spawned("%s_%d" % (g, i))[-1])
                   for i in (0, 1))


def probe_between(ctx):
    """While every process of a group is between its exit and its next
    start, try to connect; then lift the gate so the next retry runs."""
    out = {}
    deadline = time.monotonic() + 20
    while len(out) < len(GROUPS):
        for g in GROUPS:
            if g in out or not _between(ctx, g):
                continue
            n = len(ctx.run.spawned())
            err = try_connect(ctx, g)
            exists = (ctx.run.tmp / "u.sock").exists() if g == "u" else None
            if len(ctx.run.spawned()) != n or not _between(ctx, g):
                continue        # a retry came meanwhile: inconclusive
            out[g] = (err, exists, listener(ctx, g))
            (ctx.run.tmp / ("gate-" + g)).unlink()
        if time.monotonic() > deadline:
            raise H.HarnessError("no window with every process of %s "
                                 "stopped\n%s" % (
                                     [g for g in GROUPS if g not in out],
                                     ctx.run.describe()))
        time.sleep(0.01)
    ctx.vars["between"] = out


# -- checks ------------------------------------------------------------------

def open_while_restarting(ctx):
    """The socket stays open while the processes restart: a client
    connecting when no process of the group runs still gets in."""
    bad = {g: v[0] for g, v in ctx.vars["between"].items() if v[0]}
    assert not bad, "connect with every process stopped: %s" % bad


def same_socket_after_restart(ctx):
    before, after = ctx.vars["inodes_before"], ctx.vars["inodes_after"]
    assert before == after, "listening inodes %s before the restart, %s " \
        "after" % (before, after)


def socket_file_removed(ctx):
    assert not (ctx.run.tmp / "u.sock").exists(), \
        "unix socket file left after shutdown"


def nothing_listens_after_exit(ctx):
    assert unix_listener(ctx.run.tmp / "u.sock") is None
    assert tcp_listener(ctx.vars["port"]) is None


def restart_outcome(ctx):
    parts = []
    for g in GROUPS:
        err, exists, lis = ctx.vars["between"][g]
        parts.append("group %s with every process stopped: connect %s, "
                     "listener %s%s" % (
                         g, "ok" if err is None else "refused (%s)" % err,
                         "open" if lis else "closed",
                         "" if exists is None else
                         ", socket file %s" % ("present" if exists
                                               else "absent")))
    same = {g: ctx.vars["inodes_before"][g] == ctx.vars["inodes_after"][g]
            for g in GROUPS}
    parts.append("same listening inode after restart: %s" % same)
    return "; ".join(parts)


def shutdown_outcome(ctx):
    return "after shutdown the unix socket file is %s" % (
        "LEFT in place" if (ctx.run.tmp / "u.sock").exists() else "removed")


def socket_log_lines(ctx):
    lines = [x for x in ctx.transcript
             if re.match(r"^INFO (Creating|Closing) socket ", x)]
    return "%d Creating/Closing socket lines: %s" % (
        len(lines), [re.sub(r":\d+$", ":<PORT>", x) for x in lines])


def fcgi(g, url):
    d = {
        "command": "/bin/sh -c '[ -e {tmp}/gate-%s ] && exit 1; "
                   "exec {exit} --sleep inf'" % g,
        "socket": url,
        "numprocs": 2,
        "process_name": "%(program_name)s_%(process_num)d",
        "startsecs": 2,
        "startretries": 6,
    }
    if g == "u":
        d.update({"socket_mode": "0660", "socket_owner": "nobody:nogroup"})
    return d


def lines_of(p):
    return [
        "INFO spawned: '%s' with pid <PID>" % p,
        "INFO success: %s entered RUNNING state, process has stayed up for "
        "> than 2 seconds (startsecs)" % p,
        "WARN exited: %s (terminated by SIGKILL; not expected)" % p,
        "INFO spawned: '%s' with pid <PID>" % p,
        "WARN exited: %s (exit status 1; not expected)" % p,
        "INFO spawned: '%s' with pid <PID>" % p,
        "INFO success: %s entered RUNNING state, process has stayed up for "
        "> than 2 seconds (startsecs)" % p,
        "WARN stopped: %s (terminated by SIGTERM)" % p,
    ]


SCENARIOS = [
    Scenario(
        "fcgi_sockets",
        "Two fcgi-programs with numprocs=2, one on a unix socket (mode "
        "0660, owner nobody:nogroup), one on 127.0.0.1:PORT: fd 0 of each "
        "process is the listening socket, clients connect; every process "
        "is killed and its next start fails once (BACKOFF), a client "
        "connects meanwhile; after the restart fd 0 is the listener "
        "again; at shutdown the socket file goes away (ours).",
        needs_root=True,        # socket_owner=nobody
        setup=pick_port,
        sections={
            "fcgi-program:u": fcgi("u", "unix://{tmp}/u.sock"),
            "fcgi-program:t": fcgi("t", "tcp://127.0.0.1:{port}"),
            # Output every 20 ms keeps 4.2.5's poll loop turning, so it
            # notices every exit at once (not up to 1 s late), and the
            # processes of a group stop and back off together.
            "program:tick": {"command": "{exit} --sleep inf --tick 20",
                             "stdout_logfile": "NONE"},
        },
        # Only the fcgi processes count: tick's success line must not
        # stand in for one of theirs.
        steps=[WaitLog(r"^success: [ut]_\d ", 20, count=4),
               Call(sockets_are_fd0("inodes_before")),
               Call(socket_file_attrs),
               Call(gate_and_kill),
               Call(probe_between),
               WaitLog(r"^success: [ut]_\d ", 30, count=8),
               Call(sockets_are_fd0("inodes_after")),
               Call(socket_file_attrs)],
        expect_exact={p: lines_of(p) for p in PROCS},
        compare_ignore=[r"^INFO (Creating|Closing) socket "],
        checks=[nothing_listens_after_exit],
        ours_only=[open_while_restarting, same_socket_after_restart,
                   socket_file_removed],
        record=[restart_outcome, shutdown_outcome, socket_log_lines],
    ),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_fcgi(scn):
    execute(scn)
