"""numprocs / process_name expansion and [group:x] sections.

4.2.5 logs process names only ("spawned: 'web_01'", "spawned: 'ga'"),
never group:name; the group name reaches the child as
SUPERVISOR_GROUP_NAME.
"""

import re

import pytest

from scenario import Scenario, WaitLog, execute

ENV = ("--env SUPERVISOR_ENABLED --env SUPERVISOR_PROCESS_NAME "
       "--env SUPERVISOR_GROUP_NAME --env SUPERVISOR_SERVER_URL "
       "--env FVT_MARKER --env PROGVAR")

PROCS = {
    # process name -> (group name, AUTO log prefix)
    "web_01": "web", "web_02": "web", "web_03": "web",
    "w0": "worker", "w1": "worker",
    "ga": "grp", "gb": "grp",
    "solo": "solo",
}


def child_env(ctx):
    for proc, group in PROCS.items():
        logs = ctx.run.child_logs(proc, "stdout")
        assert len(logs) == 1, (proc, logs)
        assert re.fullmatch(r"%s-stdout---supervisor-[A-Za-z0-9_]{8}\.log"
                            % re.escape(proc), logs[0].name), logs[0].name
        text = logs[0].read_text()
        for want in ("SUPERVISOR_ENABLED=1",
                     "SUPERVISOR_PROCESS_NAME=%s" % proc,
                     "SUPERVISOR_GROUP_NAME=%s" % group,
                     # No HTTP server configured: no URL is exported.
                     "SUPERVISOR_SERVER_URL unset",
                     "FVT_MARKER=%s" % ctx.run.marker):
            assert want in text.splitlines(), (proc, want, text)
    web = ctx.run.child_logs("web_02", "stdout")[0].read_text()
    assert "PROGVAR=web-2" in web.splitlines(), web


SCENARIOS = [
    Scenario(
        "numprocs_and_groups",
        "numprocs with %(process_num)02d names and numprocs_start, a "
        "second numprocs program, a [group:x] of two programs and a plain "
        "program; names, environment and AUTO log names per process.",
        sections={
            "program:web": {
                "command": "{exit} --sleep inf " + ENV,
                "numprocs": 3, "numprocs_start": 1,
                "process_name": "%(program_name)s_%(process_num)02d",
                "environment": "PROGVAR=\"web-%(process_num)d\""},
            "program:worker": {
                "command": "{exit} --sleep inf " + ENV,
                "numprocs": 2, "process_name": "w%(process_num)d"},
            "program:ga": {"command": "{exit} --sleep inf " + ENV},
            "program:gb": {"command": "{exit} --sleep inf " + ENV},
            "group:grp": {"programs": "ga,gb"},
            "program:solo": {"command": "{exit} --sleep inf " + ENV},
        },
        steps=[WaitLog(r"^success: ", 15, count=len(PROCS))],
        expect_exact={p: [
            "INFO spawned: '%s' with pid <PID>" % p,
            "INFO success: %s entered RUNNING state, process has stayed up "
            "for > than 1 seconds (startsecs)" % p,
            "WARN stopped: %s (terminated by SIGTERM)" % p] for p in PROCS},
        forbid=[r"'(web|worker|grp):", r"\b(grp|web|worker):\w"],
        checks=[child_env],
        expect=[
            # Same priority: groups start in name order (grp, solo, web,
            # worker), processes in numprocs order.
            "INFO spawned: 'ga' with pid <PID>",
            "INFO spawned: 'gb' with pid <PID>",
            "INFO spawned: 'solo' with pid <PID>",
            "INFO spawned: 'web_01' with pid <PID>",
            "INFO spawned: 'web_02' with pid <PID>",
            "INFO spawned: 'web_03' with pid <PID>",
            "INFO spawned: 'w0' with pid <PID>",
            "INFO spawned: 'w1' with pid <PID>",
        ],
    ),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_groups(scn):
    execute(scn)
