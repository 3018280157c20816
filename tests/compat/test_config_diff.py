"""Differential test of ``fleetvisord --dump-config`` against supervisor 4.2.5.

For every case under ``tests/data/configs/``:

* ``valid/<case>``: the reference (``config_oracle.py`` run by Debian's
  ``/usr/bin/python3`` on supervisor 4.2.5's own parser) and
  ``$FLEETVISORD ... --dump-config`` must both exit 0 and print the same JSON
  object (docs/internals/config-dump.md).
* ``invalid/<case>``: both must exit 2 and our stderr must start with
  ``Error: ``.
* ``stricter/<case>``: 4.2.5 accepts (or crashes on) these, we reject them on
  purpose: we must exit 2, stderr must start with ``Error: `` and contain
  every line of the case's ``expect_stderr`` file (file / section / key).
  The top comment of each .conf says what 4.2.5 does and why we reject.

Each case directory holds ``supervisord.conf`` (plus whatever it includes),
an optional ``args`` file (extra command-line arguments, one per line, put
before ``-c supervisord.conf``) and, for stricter cases, ``expect_stderr``.
The case is copied into a fresh temporary directory which is the CWD of both
runs, so ``%(here)s``, relative includes and relative paths resolve there.
Both sides get the same small environment: PATH, LANG=C.UTF-8,
HOME=<tmp>/home and TMPDIR=<tmp>/tmp (both existing, outside the case
directory; TMPDIR decides the default childlogdir), FV_TEST_VAR=hello and
FV_TEST_PATH=/opt/fv/bin:/usr/bin.  For stricter cases the harness also
checks that 4.2.5 does NOT exit 2 on them (else they belong in invalid/).

Run:  FLEETVISORD=path/to/fleetvisord /usr/bin/python3 -m pytest -q \
          tests/compat/test_config_diff.py
The whole module is skipped when FLEETVISORD is unset or not executable.
"""

import difflib
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CONFIGS = os.path.join(REPO, 'tests', 'data', 'configs')
ORACLE = os.path.join(HERE, 'config_oracle.py')
PYTHON = '/usr/bin/python3'  # Debian's python3, the one with supervisor 4.2.5
TIMEOUT = 10                 # seconds, for every subprocess
CONF = 'supervisord.conf'
META_FILES = ('args', 'expect_stderr')  # not copied into the work directory


def _find_binary():
    value = os.environ.get('FLEETVISORD', '')
    if not value:
        return None, 'FLEETVISORD is not set (path of the fleetvisord binary)'
    path = value
    if os.sep not in path:
        found = shutil.which(path)
        if found:
            path = found
    path = os.path.abspath(path)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return None, 'FLEETVISORD=%r is not an executable file' % value
    return path, None


FLEETVISORD, _why = _find_binary()
if FLEETVISORD is None:
    pytest.skip(_why, allow_module_level=True)

if not (os.access(PYTHON, os.X_OK) and subprocess.run(
        [PYTHON, '-c', 'import supervisor.options'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        timeout=TIMEOUT).returncode == 0):
    pytest.skip('%s cannot import supervisor (Debian package supervisor '
                '4.2.5 is needed for the reference side)' % PYTHON,
                allow_module_level=True)


def _cases(kind):
    base = os.path.join(CONFIGS, kind)
    if not os.path.isdir(base):
        return []
    return sorted(d for d in os.listdir(base)
                  if os.path.isdir(os.path.join(base, d)))


def _read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, 'r', encoding='utf-8') as f:
        return [line.rstrip('\r\n') for line in f
                if line.strip() and not line.startswith('#')]


class Run(object):
    def __init__(self, cmd, cwd, env, proc):
        self.cmd = cmd
        self.cwd = cwd
        self.env = env
        self.rc = proc.returncode
        self.stdout = proc.stdout.decode('utf-8', 'replace')
        self.stderr = proc.stderr.decode('utf-8', 'replace')

    def describe(self):
        env = ' '.join('%s=%s' % kv for kv in sorted(self.env.items()))
        return ('$ cd %s && env -i %s %s\nexit status %s\n--- stderr ---\n%s\n'
                '--- stdout ---\n%s'
                % (self.cwd, env, ' '.join(self.cmd), self.rc,
                   self.stderr.rstrip(),
                   self.stdout[:4000].rstrip()))


class Case(object):
    """A case copied into ``tmp_path/case`` with its environment."""

    def __init__(self, kind, name, tmp_path):
        self.src = os.path.join(CONFIGS, kind, name)
        self.root = str(tmp_path)
        self.work = os.path.join(self.root, 'case')
        shutil.copytree(self.src, self.work, symlinks=True)
        for meta in META_FILES:
            p = os.path.join(self.work, meta)
            if os.path.isfile(p):
                os.unlink(p)
        self.tmpdir = os.path.join(self.root, 'tmp')
        self.home = os.path.join(self.root, 'home')
        os.mkdir(self.tmpdir)
        os.mkdir(self.home)
        self.args = _read_lines(os.path.join(self.src, 'args'))
        self.expect_stderr = _read_lines(
            os.path.join(self.src, 'expect_stderr'))
        # Same, small, deterministic environment for both sides.
        self.env = {
            'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
            'HOME': self.home,
            'LANG': 'C.UTF-8',
            'TMPDIR': self.tmpdir,
            'FV_TEST_VAR': 'hello',
            'FV_TEST_PATH': '/opt/fv/bin:/usr/bin',
        }

    def _run(self, cmd):
        try:
            proc = subprocess.run(cmd, cwd=self.work, env=self.env,
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail('timed out after %ss: %s' % (TIMEOUT, ' '.join(cmd)))
        return Run(cmd, self.work, self.env, proc)

    def run_oracle(self):
        return self._run([PYTHON, ORACLE] + self.args + ['-c', CONF])

    def run_ours(self):
        return self._run([FLEETVISORD] + self.args +
                         ['-c', CONF, '--dump-config'])


def _paths_differing(a, b, path='$', out=None, limit=25):
    """JSON paths where a and b differ (type-strict: true != 1)."""
    if out is None:
        out = []
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = '%s.%s' % (path, k)
            if k not in a:
                out.append('%s: only in fleetvisord' % p)
            elif k not in b:
                out.append('%s: missing in fleetvisord' % p)
            else:
                _paths_differing(a[k], b[k], p, out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            _paths_differing(x, y, '%s[%d]' % (path, i), out, limit)
        if len(a) != len(b):
            out.append('%s: length %d != %d' % (path, len(a), len(b)))
    elif type(a) is not type(b) or a != b:
        out.append('%s: %s != %s' % (path, json.dumps(a), json.dumps(b)))
    return out[:limit]


def _canonical(text, who, run, ours_only=()):
    """The dump as canonical JSON text; ours_only: keys of our own (the
    [fleet] section) that 4.2.5 has no counterpart for, left out."""
    try:
        obj = json.loads(text)
    except ValueError as exc:
        pytest.fail('%s did not print one JSON object (%s)\n%s'
                    % (who, exc, run.describe()))
    if not isinstance(obj, dict):
        pytest.fail('%s printed JSON that is not an object\n%s'
                    % (who, run.describe()))
    for key in ours_only:
        obj.pop(key, None)
    # Compare canonical texts, not Python objects: 1 == True == 1.0 in Python
    # but they are different JSON values.
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False)


@pytest.mark.parametrize('name', _cases('valid'))
def test_valid(name, tmp_path):
    case = Case('valid', name, tmp_path)
    ref = case.run_oracle()
    assert ref.rc == 0, ('corpus bug: supervisor 4.2.5 rejects valid/%s\n%s'
                         % (name, ref.describe()))
    ours = case.run_ours()
    assert ours.rc == 0, ('fleetvisord rejected valid/%s\n%s'
                          % (name, ours.describe()))
    expected = _canonical(ref.stdout, 'config_oracle.py', ref)
    actual = _canonical(ours.stdout, 'fleetvisord', ours, ours_only=('fleet',))
    if expected != actual:
        paths = _paths_differing(json.loads(expected), json.loads(actual))
        diff = '\n'.join(difflib.unified_diff(
            expected.splitlines(), actual.splitlines(),
            fromfile='supervisor-4.2.5 (config_oracle.py)',
            tofile='fleetvisord --dump-config', lineterm='', n=4))
        pytest.fail('dump of valid/%s differs from supervisor 4.2.5 '
                    '(work dir %s)\ndiffering paths (4.2.5 != ours):\n  %s\n'
                    '%s' % (name, case.work, '\n  '.join(paths), diff),
                    pytrace=False)


@pytest.mark.parametrize('name', _cases('invalid'))
def test_invalid(name, tmp_path):
    case = Case('invalid', name, tmp_path)
    ref = case.run_oracle()
    assert ref.rc == 2, ('corpus bug: supervisor 4.2.5 does not reject '
                         'invalid/%s with exit 2\n%s' % (name, ref.describe()))
    ours = case.run_ours()
    assert ours.rc == 2, ('fleetvisord must exit 2 on invalid/%s like 4.2.5 '
                          '(which said: %s)\n%s'
                          % (name, ref.stderr.strip(), ours.describe()))
    assert ours.stderr.startswith('Error: '), (
        'stderr must start with "Error: "\n%s' % ours.describe())


@pytest.mark.parametrize('name', _cases('stricter'))
def test_stricter(name, tmp_path):
    case = Case('stricter', name, tmp_path)
    ref = case.run_oracle()
    assert ref.rc != 2, ('corpus bug: supervisor 4.2.5 already rejects '
                         'stricter/%s; move it to invalid/\n%s'
                         % (name, ref.describe()))
    ours = case.run_ours()
    assert ours.rc == 2, ('fleetvisord must reject stricter/%s with exit 2\n%s'
                          % (name, ours.describe()))
    assert ours.stderr.startswith('Error: '), (
        'stderr must start with "Error: "\n%s' % ours.describe())
    missing = [s for s in case.expect_stderr if s not in ours.stderr]
    assert not missing, ('the error must name %r\n%s'
                         % (missing, ours.describe()))


def test_corpus_size():
    valid, invalid, stricter = (_cases(k) for k in
                                ('valid', 'invalid', 'stricter'))
    assert len(valid) >= 28
    assert len(valid) + len(invalid) + len(stricter) >= 40
    for name in stricter:
        assert _read_lines(os.path.join(CONFIGS, 'stricter', name,
                                        'expect_stderr')), name


if __name__ == '__main__':  # pragma: no cover
    sys.exit(pytest.main([__file__] + sys.argv[1:]))
