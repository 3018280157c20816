"""warmctl: Debian's supervisorctl, imported once and forked per command.

Every supervisorctl run spends about 0.14 s of CPU importing its modules
(pkg_resources above all) before it does anything, and the ctl suites run
it about a thousand times.  Here a server process imports them once; each
command is a fork of it that runs /usr/bin/supervisorctl's own entry script
(runpy) with the caller's argv, environment, cwd and stdin/stdout/stderr,
and exits as that script would.  What it prints and its exit status are
the real client's: nothing of supervisorctl is reimplemented, and the
suite's self-check (FLEETVISORCTL=/usr/bin/supervisorctl in
test_ctl_drop_in.py, where the reference side runs here and the other side
runs the binary) compares the two.

Only one-shot commands on pipes come here; terminals (the shell, fg) and
commands stopped by a signal (tail -f) run the binary.
FV_ITEST_WARM_CTL=0 runs the binary for everything.

Protocol (a unix stream socket; one connection per command): the caller
sends a length-prefixed JSON request {argv, env, cwd} with three fds (the
command's stdin, stdout, stderr) attached; the server answers "pid N\\n"
once the command runs, then "status S\\n" (a waitpid status) when it ends.
The server exits when the pipe from its caller reaches EOF.

Needs /usr/bin/python3 (Debian's supervisor).
"""

import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SCRIPT = "/usr/bin/supervisorctl"
PY = "/usr/bin/python3"


# ---------------------------------------------------------------------------
# The server (run as a script)

def _recv_request(conn):
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    if len(fds) != 3:
        raise OSError("request without its 3 fds")
    while len(data) < 4 or len(data) < 4 + struct.unpack(
            "!I", data[:4])[0]:
        more = conn.recv(1 << 16)
        if not more:
            raise OSError("request cut short")
        data += more
    return json.loads(data[4:].decode()), fds


def _exit_code(e):
    """The exit status Python gives a SystemExit."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    sys.stderr.write("%s\n" % (e.code,))
    return 1


def _run_command(req, fds):
    """In the forked command process: become the command, run it, exit
    as the interpreter would.  Never returns."""
    import atexit
    import runpy
    import traceback
    for i, fd in enumerate(fds):
        os.dup2(fd, i)
        if fd > 2:
            os.close(fd)
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    sys.argv = [SCRIPT] + req["argv"]
    code = 0
    try:
        runpy.run_path(SCRIPT, run_name="__main__")
    except SystemExit as e:
        code = _exit_code(e)
    except KeyboardInterrupt:
        traceback.print_exc()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:       # noqa: BLE001 - as the interpreter does
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
    except BaseException:       # noqa: BLE001
        pass
    try:
        sys.stdout.flush()
    except BaseException:       # noqa: BLE001 - Python exits 120 then
        code = 120
    try:
        sys.stderr.flush()
    except BaseException:       # noqa: BLE001
        pass
    os._exit(code)


def _serve_one(conn, listener, life):
    """In the forked connection process: start the command, report its
    pid and its end.  Never returns."""
    status = 255 << 8
    try:
        listener.close()
        os.close(life)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        req, fds = _recv_request(conn)
        pid = os.fork()
        if pid == 0:
            try:
                conn.close()
                _run_command(req, fds)
            finally:
                os._exit(127)       # it could not even start
        for fd in fds:
            os.close(fd)
        conn.sendall(b"pid %d\n" % pid)
        _, status = os.waitpid(pid, 0)
    except BaseException:       # noqa: BLE001 - say why, then answer
        import traceback
        sys.stderr.write("warmctl: connection failed:\n")
        traceback.print_exc()
        sys.stderr.flush()
    finally:
        try:
            conn.sendall(b"status %d\n" % status)
        except OSError:
            pass
        os._exit(0)


def serve(path, life):
    # As /usr/bin/supervisorctl has them when supervisor is imported:
    # supervisor.options reads sys.argv[0] at import time.
    sys.argv = [SCRIPT]
    sys.path[0] = os.path.dirname(SCRIPT)
    import supervisor.supervisorctl  # noqa: F401 - the expensive part
    from importlib.metadata import distribution
    distribution("supervisor").entry_points     # noqa: B018 - warm it
    # Connection processes are reaped by the kernel; each resets this
    # before it forks the command.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(64)
    os.rename(path + ".new", path)      # it exists once it listens
    try:
        while True:
            r, _, _ = select.select([listener, life], [], [])
            if life in r:
                return
            conn, _ = listener.accept()
            if os.fork() == 0:
                _serve_one(conn, listener, life)
            conn.close()
    finally:
        os.unlink(path)
        os.rmdir(os.path.dirname(path))


# ---------------------------------------------------------------------------
# The caller's side

def enabled():
    return os.environ.get("FV_ITEST_WARM_CTL", "1") != "0" and \
        os.access(SCRIPT, os.X_OK) and os.access(PY, os.X_OK)


class _Server:
    lock = threading.Lock()
    path = None
    proc = None
    life_w = None

    @classmethod
    def socket_path(cls):
        with cls.lock:
            if cls.proc is not None and cls.proc.poll() is None:
                return cls.path
            d = tempfile.mkdtemp(prefix="fvt-warmctl-")
            path = os.path.join(d, "ctl.sock")
            life_r, life_w = os.pipe()
            cls.proc = subprocess.Popen(
                [PY, os.path.abspath(__file__), "--serve", path,
                 str(life_r)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, pass_fds=(life_r,))
            os.close(life_r)
            if cls.life_w is not None:
                os.close(cls.life_w)
            cls.life_w = life_w
            deadline = time.monotonic() + 30
            while not os.path.exists(path):
                if cls.proc.poll() is not None or \
                        time.monotonic() > deadline:
                    raise RuntimeError("warmctl server did not start "
                                       "(status %s)" % cls.proc.poll())
                time.sleep(0.01)
            cls.path = path
            return path


def run(args, env, cwd, input=None, timeout=30):
    """supervisorctl ARGS... like subprocess.run(capture_output=True):
    returns (exit status, stdout bytes, stderr bytes); raises
    subprocess.TimeoutExpired (after killing it) when it outlives
    timeout."""
    path = _Server.socket_path()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    if input is None:
        in_r, in_w = os.open(os.devnull, os.O_RDONLY), None
    else:
        in_r, in_w = os.pipe()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = None
    try:
        conn.connect(path)
        body = json.dumps({"argv": list(args), "env": dict(env),
                           "cwd": str(cwd)}).encode()
        msg = struct.pack("!I", len(body)) + body
        sent = socket.send_fds(conn, [msg], [in_r, out_w, err_w])
        if sent < len(msg):
            # Never a send of nothing: once the whole request is in, the
            # server may run the command, answer and close before this
            # line runs, and even an empty send then fails with EPIPE.
            conn.sendall(msg[sent:])
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        in_r = out_w = err_w = None
        reply = conn.makefile("rb")
        deadline = time.monotonic() + timeout
        conn.settimeout(timeout)
        line = reply.readline().split()
        if line[:1] != [b"pid"]:
            raise RuntimeError("warmctl: no command started: %r" % line)
        pid = int(line[1])
        bufs = {out_r: b"", err_r: b""}
        live = [out_r, err_r]
        pending = memoryview(input) if input is not None else None
        if pending is not None and not len(pending):
            os.close(in_w)
            in_w = None
        while live or in_w is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired([SCRIPT] + list(args),
                                                timeout)
            r, w, _ = select.select(live, [in_w] if in_w is not None
                                    else [], [], left)
            for fd in r:
                chunk = os.read(fd, 65536)
                if chunk:
                    bufs[fd] += chunk
                else:
                    live.remove(fd)
            if w:
                try:
                    n = os.write(in_w, pending[:65536])
                except BrokenPipeError:
                    n = len(pending)
                pending = pending[n:]
                if not len(pending):
                    os.close(in_w)
                    in_w = None
        conn.settimeout(max(deadline - time.monotonic(), 1))
        line = reply.readline().split()
        if line[:1] != [b"status"]:
            raise RuntimeError("warmctl: no exit status: %r" % line)
        status = int(line[1])
        rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else \
            os.WEXITSTATUS(status)
        return rc, bufs[out_r], bufs[err_r]
    finally:
        conn.close()
        for fd in (in_r, in_w, out_w, err_w, out_r, err_r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: warmctl.py --serve SOCKET LIFE_FD")
