"""Config sections shared by the scenarios (both daemons get the same)."""

SLEEPER = "/bin/sleep 100000"


def programs(n, prefix="p", command=SLEEPER, extra=()):
    """n [program:x] sections that stay up, logs off (pipes still made)."""
    out = []
    for i in range(n):
        out += ["[program:%s%04d]" % (prefix, i), "command=%s" % command,
                "startsecs=0", "stdout_logfile=NONE", "stderr_logfile=NONE"]
        out += list(extra)
    return "\n".join(out) + "\n"


def group(name, members):
    return "[group:%s]\nprograms=%s\n" % (name, ",".join(members))
