#!/usr/bin/python3
"""Reference side of the --dump-config differential test.

Usage (must run under Debian's /usr/bin/python3, which has supervisor 4.2.5):

    /usr/bin/python3 tests/compat/config_oracle.py [supervisord options...]

Realizes the options exactly as supervisord 4.2.5 does
(``supervisor.options.ServerOptions().realize(args)``) and prints one JSON
object following docs/internals/config-dump.md.  On a usage / configuration
error supervisor itself prints ``Error: ...`` on stderr and we exit 2.

Stdlib only (plus the installed ``supervisor`` package, which is the oracle).
"""

import json
import os
import sys
import warnings


def _load_supervisor():
    try:
        from supervisor import options as sopts
        from supervisor import datatypes
        from supervisor import events
        from supervisor import supervisord as sd
    except ImportError as exc:  # pragma: no cover - environment problem
        sys.stderr.write(
            'config_oracle: cannot import supervisor (%s); run it with '
            "Debian's /usr/bin/python3\n" % exc)
        sys.exit(3)
    return sopts, datatypes, events, sd


sopts, datatypes, events, _sd = _load_supervisor()


class SpecRef(object):
    """What import_spec returns in the oracle: the spec string as 4.2.5 passed
    it to import_spec (i.e. already expanded) plus the resolved callable.
    Nothing in realize() calls the factories/handlers, so this is safe."""

    def __init__(self, spec, resolved):
        self.spec = spec
        self.resolved = resolved

    def __repr__(self):  # pragma: no cover - debugging aid
        return '<SpecRef %s>' % self.spec


class OracleServerOptions(sopts.ServerOptions):
    def import_spec(self, spec):
        # ImportError propagates unchanged, so the 4.2.5 error path is intact.
        resolved = sopts.ServerOptions.import_spec(self, spec)
        return SpecRef(spec, resolved)


def spec_string(obj):
    if isinstance(obj, SpecRef):
        return obj.spec
    # Fallback (should not happen): reconstruct module:name.
    return '%s:%s' % (getattr(obj, '__module__', '?'),
                      getattr(obj, '__qualname__', getattr(obj, '__name__', '?')))


def logfile_value(v):
    if v is datatypes.Automatic:
        return 'AUTO'
    if v is None:
        return None
    if v is datatypes.Syslog:  # 4.2.5 rewrites it to None; keep a marker
        return 'SYSLOG'
    return v


def autorestart_value(v):
    if v is datatypes.RestartUnconditionally:
        return 'true'
    if v is datatypes.RestartWhenExitUnexpected:
        return 'unexpected'
    if v is False:
        return 'false'
    raise AssertionError('unexpected autorestart value %r' % (v,))


def opt_int(v):
    return None if v is None else int(v)


def process_to_json(p):
    d = {
        'name': p.name,
        'command': p.command,
        'directory': p.directory,
        'umask': opt_int(p.umask),
        'priority': int(p.priority),
        'startsecs': int(p.startsecs),
        'startretries': int(p.startretries),
        'stopwaitsecs': int(p.stopwaitsecs),
        'autostart': bool(p.autostart),
        'stopasgroup': bool(p.stopasgroup),
        'killasgroup': bool(p.killasgroup),
        'redirect_stderr': bool(p.redirect_stderr),
        'autorestart': autorestart_value(p.autorestart),
        'uid': opt_int(p.uid),
        'stopsignal': int(p.stopsignal),
        'exitcodes': [int(x) for x in p.exitcodes],
        'environment': dict(p.environment or {}),
        'serverurl': p.serverurl,
    }
    for ch in ('stdout', 'stderr'):
        d[ch + '_logfile'] = logfile_value(getattr(p, ch + '_logfile'))
        for k in ('logfile_maxbytes', 'logfile_backups', 'capture_maxbytes'):
            d['%s_%s' % (ch, k)] = int(getattr(p, '%s_%s' % (ch, k)))
        for k in ('events_enabled', 'syslog'):
            d['%s_%s' % (ch, k)] = bool(getattr(p, '%s_%s' % (ch, k)))
    return d


def group_to_json(g):
    if isinstance(g, sopts.EventListenerPoolConfig):
        gtype = 'eventlistener'
    elif isinstance(g, sopts.FastCGIGroupConfig):
        gtype = 'fcgi'
    else:
        gtype = 'process'
    d = {
        'name': g.name,
        'type': gtype,
        'priority': int(g.priority),
        'processes': [process_to_json(p) for p in g.process_configs],
    }
    if gtype == 'eventlistener':
        d['buffer_size'] = int(g.buffer_size)
        d['events'] = sorted(events.getEventNameByType(t)
                             for t in g.pool_events)
        d['result_handler'] = spec_string(g.result_handler)
    elif gtype == 'fcgi':
        sc = g.socket_config
        owner = getattr(sc, 'owner', None)
        d['socket'] = {
            'url': sc.url,
            'backlog': opt_int(sc.backlog),
            'mode': opt_int(getattr(sc, 'mode', None)),
            'owner': None if owner is None else [int(x) for x in owner],
        }
    return d


def server_to_json(c):
    import socket
    d = {
        'section': c['section'],
        'name': c['name'],
        'username': c['username'],
        'password': c['password'],
    }
    if c['family'] is socket.AF_INET or c['family'] == socket.AF_INET:
        d['family'] = 'inet'
        d['host'] = c['host']
        d['port'] = int(c['port'])
    else:
        d['family'] = 'unix'
        d['file'] = c['file']
        d['chmod'] = int(c['chmod'])
        d['chown'] = [int(x) for x in c['chown']]
    return d


def supervisorctl_json(configfile):
    """[supervisorctl] as supervisorctl reads it: only the main file (the
    client does not process [include]); null when that file has none."""
    parser = sopts.UnhosedConfigParser()
    with open(configfile, 'r') as fp:
        parser.read_file(fp)
    if not parser.has_section('supervisorctl'):
        return None
    co = sopts.ClientOptions()
    co.realize(['-c', configfile], progname='supervisorctl')
    return {
        'serverurl': co.serverurl,
        'username': co.username,
        'password': co.password,
        'prompt': co.prompt,
        'history_file': co.history_file,
    }


def build(args):
    # Options.__init__ derives its default config search path from
    # sys.argv[0] (<dirname(dirname(argv0))>/etc/supervisord.conf, ...);
    # behave like the real /usr/bin/supervisord, not like this script.
    sys.argv[0] = '/usr/bin/supervisord'
    options = OracleServerOptions()
    options.realize(list(args), doc=_sd.__doc__, progname='supervisord')
    root = options.configroot.supervisord
    sup = {
        'nodaemon': bool(options.nodaemon),
        'silent': bool(options.silent),
        'nocleanup': bool(options.nocleanup),
        'strip_ansi': bool(options.strip_ansi),
        'user': options.user,
        'uid': opt_int(options.uid),
        'umask': int(options.umask),
        'directory': options.directory,
        'logfile': options.logfile,
        'logfile_maxbytes': int(options.logfile_maxbytes),
        'logfile_backups': int(options.logfile_backups),
        'loglevel': options.loglevel,
        'pidfile': options.pidfile,
        'identifier': options.identifier,
        'childlogdir': options.childlogdir,
        'minfds': int(options.minfds),
        'minprocs': int(options.minprocs),
        'environment': dict(getattr(root, 'environment', None) or {}),
        'serverurl': options.serverurl,
    }
    out = {
        'configfile': os.path.abspath(options.configfile),
        'supervisord': sup,
        'servers': [server_to_json(c) for c in options.server_configs],
        'groups': [group_to_json(g) for g in options.process_group_configs],
        'rpcinterfaces': [
            {'name': name, 'factory': spec_string(factory),
             'extras': dict(extras)}
            for (name, factory, extras) in options.rpcinterface_factories],
        'supervisorctl': supervisorctl_json(options.configfile),
        'warnings': list(options.parse_warnings),
    }
    return out


def main(argv):
    # ServerOptions may warnings.warn() (root + no -c); not part of the dump.
    warnings.simplefilter('ignore')
    try:
        obj = build(argv)
    except SystemExit as exc:
        # Options.usage() already wrote "Error: ..." to stderr.
        code = exc.code
        if code is None:
            code = 0
        if not isinstance(code, int):
            sys.stderr.write('%s\n' % code)
            code = 2
        return code
    sys.stdout.write(json.dumps(obj, sort_keys=True, indent=1) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
