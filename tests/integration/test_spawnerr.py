"""Spawn errors and unknown users.

4.2.5 facts (measured): a command that cannot be found, is a directory, is
not executable or does not parse never forks: it logs only
"spawnerr: ..." (no spawned/exited lines), goes BACKOFF, is retried
startretries times and then logs "gave up: ... FATAL" in the same turn as
the last spawnerr.  A failure after fork (bad directory, exec error) is
written by the child to its stderr log as "supervisor: couldn't ...",
followed by "supervisor: child process was not spawned", and the child
exits 127.  An unknown user= is a config error: exit status 2 before any
log is opened, with "Error: Invalid user name X in section 'program:u'
(file: '...')" (the record shows each implementation's full text).
"""

import os

import pytest

from scenario import Call, Scenario, WaitExit, WaitLog, execute


def make_bad_files(ctx):
    notexec = ctx.run.tmp / "notexec.sh"
    notexec.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(notexec, 0o644)
    badexec = ctx.run.tmp / "badexec"
    badexec.write_bytes(b"\x7fELF this is not a program\n")
    os.chmod(badexec, 0o755)


GAVE_UP = ("INFO gave up: %s entered FATAL state, too many start retries "
           "too quickly")

SPAWNERRS = {
    "nocmd": "INFO spawnerr: can't find command '/nonexistent/cmd'",
    "nopath": "INFO spawnerr: can't find command 'no-such-command-fvt'",
    "notexec": "INFO spawnerr: command at '<TMP>/notexec.sh' is not "
               "executable",
    "isdir": "INFO spawnerr: command at '<TMP>' is a directory",
    "badquote": "INFO spawnerr: can't parse command \"<HELPERS>/fvt-exit "
                "'unbalanced\": No closing quotation",
}


def spawnerr_counts(ctx):
    """startretries=1: two attempts each, then FATAL; never forked."""
    t = ctx.transcript
    for name, line in SPAWNERRS.items():
        assert t.count(line) == 2, (name, t.count(line))
        assert t.count(GAVE_UP % name) == 1, name
        i = t.index(GAVE_UP % name)
        last = max(j for j, x in enumerate(t) if x == line)
        assert last < i, name
        assert not [x for x in t if x.startswith(
            "INFO spawned: '%s'" % name)], name


def child_side_errors(ctx):
    err = ctx.run.child_logs("baddir", "stderr")[0].read_text()
    assert err == ("supervisor: couldn't chdir to /nonexistent/dir: ENOENT\n"
                   "supervisor: child process was not spawned\n") * 2, err
    err = ctx.run.child_logs("badexec", "stderr")[0].read_text()
    want = ("supervisor: couldn't exec %s: ENOEXEC\n"
            "supervisor: child process was not spawned\n") % (
                ctx.run.tmp / "badexec")
    assert err == want * 2, err


def after_fork_lines(name):
    return [
        "INFO spawned: '%s' with pid <PID>" % name,
        "WARN exited: %s (exit status 127; not expected)" % name,
        "INFO spawned: '%s' with pid <PID>" % name,
        "WARN exited: %s (exit status 127; not expected)" % name,
        GAVE_UP % name,
    ]


def no_log_written(ctx):
    assert not ctx.run.mainlog.exists() or not ctx.run.records()
    assert not list(ctx.run.logdir.iterdir())


def config_error(core):
    """Exit 2 with an "Error: ..." first line on stderr that carries 4.2.5's
    message core.  The rest of the line may differ: fleetvisord prefixes
    file:line: [section] key: (README.md), 4.2.5 appends the section and
    file."""
    def check(ctx):
        err = ctx.run.log_text(ctx.run.stderr_path).replace(
            str(ctx.run.tmp), "<TMP>").splitlines()
        assert err and err[0].startswith("Error: ") and core in err[0], err
    check.__name__ = "config_error_message"
    return check


def usage_hint(ctx):
    return "stderr: %r" % ctx.run.log_text(ctx.run.stderr_path).replace(
        str(ctx.run.tmp), "<TMP>")


def _runs_as(ctx, name, user):
    import pwd
    uid = pwd.getpwnam(user).pw_uid
    out = ctx.run.child_logs(name, "stdout")[0].read_text()
    assert "cwd=/" in out.splitlines(), out
    assert ctx.vars.get("uid") == uid, ctx.vars.get("uid")


def _record_uid(ctx):
    pid = ctx.run.spawned("u")[0]
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                ctx.vars["uid"] = int(line.split()[1])


SCENARIOS = [
    Scenario(
        "spawn_errors",
        "Missing command (absolute and on PATH), a directory, a "
        "non-executable file, an unparsable command line, a bad directory= "
        "and an exec failure (ENOEXEC).",
        setup=make_bad_files,
        sections={
            "program:nocmd": {"command": "/nonexistent/cmd --x",
                              "startretries": 1},
            "program:nopath": {"command": "no-such-command-fvt",
                               "startretries": 1},
            "program:notexec": {"command": "{tmp}/notexec.sh",
                                "startretries": 1},
            "program:isdir": {"command": "{tmp}", "startretries": 1},
            "program:badquote": {"command": "{exit} 'unbalanced",
                                 "startretries": 1},
            "program:baddir": {"command": "{exit} --sleep inf",
                               "directory": "/nonexistent/dir",
                               "startretries": 1, "startsecs": 2},
            "program:badexec": {"command": "{tmp}/badexec",
                                "startretries": 1, "startsecs": 2},
        },
        steps=[WaitLog(r"^gave up: ", 30, count=7)],
        checks=[spawnerr_counts, child_side_errors],
        expect_exact={"baddir": after_fork_lines("baddir"),
                      "badexec": after_fork_lines("badexec")},
    ),
    Scenario(
        "unknown_user_name",
        "user= naming no account: configuration error, exit status 2, no "
        "process started and no log written.",
        sections={"program:u": {"command": "{exit} --sleep inf",
                                "user": "no_such_user_fvt"}},
        steps=[WaitExit(15, rc=2)],
        shutdown=False,
        checks=[no_log_written,
                config_error("Invalid user name no_such_user_fvt")],
        record=[usage_hint],
    ),
    Scenario(
        "unknown_user_id",
        "user= with a numeric id that has no account: same as an unknown "
        "name.",
        sections={"program:u": {"command": "{exit} --sleep inf",
                                "user": "54321"}},
        steps=[WaitExit(15, rc=2)],
        shutdown=False,
        checks=[no_log_written, config_error("Invalid user id 54321")],
        record=[usage_hint],
    ),
    Scenario(
        "user_nobody",
        "user=nobody as root: the child runs as nobody.",
        sections={"program:u": {
            "command": "{exit} --sleep inf --pwd",
            "user": "nobody", "directory": "/"}},
        steps=[WaitLog(r"^success: u ", 15), Call(_record_uid)],
        checks=[lambda ctx: _runs_as(ctx, "u", "nobody")],
    ),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_spawnerr(scn):
    execute(scn)
