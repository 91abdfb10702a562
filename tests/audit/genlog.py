#!/usr/bin/env python3
"""Generate a realistic raw audit log (auditd's ENRICHED format) for
measuring `sandboxctl report`: sandboxed sessions with their USER_START /
USER_END records, commands (SYSCALL + EXECVE + CWD + PATH + PROCTITLE),
denied opens, namespace syscalls, TTY input, refusals, and unrelated system
noise, with sessions overlapping in time.

    genlog.py [--events N] [--concurrent K] [--seed S] > big.log

N counts audit events (one serial number each), not lines."""

import argparse
import random
import sys

GS = "\x1d"


def hexs(s):
    return s.encode().hex().upper()


class Gen:
    def __init__(self, seed, concurrent):
        self.r = random.Random(seed)
        self.t = 1700000000.0
        self.serial = 1000
        self.ses = 100
        self.pid = 20000
        self.concurrent = concurrent
        self.events = 0
        self.out = sys.stdout

    def stamp(self):
        self.t += self.r.random() * 0.05
        self.serial += 1
        self.events += 1
        return "msg=audit(%.3f:%d):" % (self.t, self.serial)

    def user_rec(self, typ, s, msg, res):
        st = self.stamp()
        self.out.write(
            "type=%s %s pid=%d uid=0 auid=%d ses=%d subj=unconfined msg='%s exe=\"/usr/sbin/sshd\" "
            "hostname=%s addr=%s terminal=%s res=%s'%sUID=\"root\" AUID=\"%s\"\n"
            % (typ, st, s["sshd"], s["uid"], s["ses"], msg, s["addr"], s["addr"], s["tty"], res, GS, s["user"]))

    def start(self):
        self.ses += 1
        self.pid += 7
        n = self.r.randrange(1, 400)
        s = {"ses": self.ses, "uid": 1000 + n, "user": "user%03d" % n, "sshd": self.pid,
             "addr": "10.%d.%d.%d" % (self.r.randrange(256), self.r.randrange(256), self.r.randrange(1, 255)),
             "tty": "pts/%d" % self.r.randrange(64), "cmds": self.r.randrange(5, 40)}
        role = self.r.choice(["developer", "developer", "restricted", "intern"])
        if self.r.random() < 0.03:
            self.user_rec("USER_START", s, "op=sandbox-start acct=\"%s\" sandbox-role=%s reason=max-sessions"
                          % (s["user"], role), "failed")
            self.user_rec("ANOM_LOGIN_SESSIONS", s, "op=sandbox-deny acct=\"%s\" sandbox-role=%s reason=max-sessions"
                          % (s["user"], role), "failed")
            return None
        cg = "/sys/fs/cgroup/unified/pam_sandbox/%s/session-%d" % (s["user"], s["ses"])
        self.user_rec("USER_START", s,
                      "op=sandbox-%s acct=\"%s\" sandbox=sbx-%s sandbox-role=%s cgroup=\"%s\" mntns=%d pidns=%d "
                      "netns=%d ipcns=%d utsns=%d mem-max=4294967296 pids-max=512 cpu-quota=200000 cpu-period=100000"
                      % (self.r.choice(["start", "join"]), s["user"], s["user"], role, cg,
                         4026532000 + s["ses"] * 5, 4026532001 + s["ses"] * 5, 4026532002 + s["ses"] * 5,
                         4026532003 + s["ses"] * 5, 4026532004 + s["ses"] * 5), "success")
        return s

    def syscall(self, s, sc, name, success, exit_, key, comm, exe, uid=None):
        uid = s["uid"] if uid is None else uid
        self.pid += 1
        st = self.stamp()
        self.out.write(
            "type=SYSCALL %s arch=c000003e syscall=%d success=%s exit=%d a0=7ffd a1=5612 a2=0 a3=0 items=1 "
            "ppid=%d pid=%d auid=%d uid=%d gid=%d euid=%d suid=%d fsuid=%d egid=%d sgid=%d fsgid=%d tty=%s "
            "ses=%d comm=\"%s\" exe=\"%s\" subj=unconfined key=\"%s\"%sARCH=x86_64 SYSCALL=%s AUID=\"%s\" "
            "UID=\"%s\" GID=\"%s\" EUID=\"%s\" SUID=\"%s\" FSUID=\"%s\" EGID=\"%s\" SGID=\"%s\" FSGID=\"%s\"\n"
            % (st, sc, success, exit_, s["sshd"], self.pid, s["uid"], uid, uid, uid, uid, uid, uid, uid, uid,
               s["tty"].replace("/", ""), s["ses"], comm, exe, key, GS, name, s["user"],
               s["user"], s["user"], s["user"], s["user"], s["user"], s["user"], s["user"], s["user"]))
        return st

    def command(self, s):
        prog, args = self.r.choice([
            ("ls", ["-la"]), ("git", ["status"]), ("make", ["-j4"]), ("gcc", ["-O2", "-c", "main.c"]),
            ("vim", ["notes.txt"]), ("python3", ["test.py"]), ("grep", ["-r", "TODO", "src"]),
            ("cat", ["README.md"]), ("tmux", ["attach"]), ("bash", ["-c", "echo hello world"]),
        ])
        st = self.syscall(s, 59, "execve", "yes", 0, "sandbox-exec", prog[:15], "/usr/bin/" + prog)
        argv = [prog] + args
        self.out.write("type=EXECVE %s argc=%d %s\n" % (st, len(argv), " ".join(
            'a%d="%s"' % (i, a) if " " not in a else "a%d=%s" % (i, hexs(a)) for i, a in enumerate(argv))))
        self.out.write("type=CWD %s cwd=\"/home/%s\"\n" % (st, s["user"]))
        self.out.write("type=PATH %s item=0 name=\"/usr/bin/%s\" inode=%d dev=fe:00 mode=0100755 ouid=0 ogid=0 "
                       "rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0%sOUID=\"root\" "
                       "OGID=\"root\"\n" % (st, prog, 300000 + len(prog), GS))
        self.out.write("type=PROCTITLE %s proctitle=%s\n" % (st, hexs("\0".join(argv))))

    def denied(self, s):
        path = self.r.choice(["/etc/shadow", "/root/.bashrc", "/home/other/.ssh/id_rsa", "/var/log/audit/audit.log"])
        st = self.syscall(s, 257, "openat", "no", -13, "sandbox-denied", "cat", "/usr/bin/cat")
        self.out.write("type=CWD %s cwd=\"/home/%s\"\n" % (st, s["user"]))
        self.out.write("type=PATH %s item=0 name=\"%s\" nametype=UNKNOWN cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
                       "cap_frootid=0\n" % (st, path))
        self.out.write("type=PROCTITLE %s proctitle=%s\n" % (st, hexs("cat\0" + path)))

    def ns(self, s):
        st = self.syscall(s, 272, "unshare", "no", -1, "sandbox-ns", "unshare", "/usr/bin/unshare")
        self.out.write("type=PROCTITLE %s proctitle=%s\n" % (st, hexs("unshare\0-n\0true")))

    def tty(self, s):
        st = self.stamp()
        self.out.write("type=TTY %s tty pid=%d uid=%d auid=%d ses=%d major=136 minor=%d comm=\"bash\" data=%s%s"
                       "UID=\"%s\" AUID=\"%s\"\n" % (st, self.pid, s["uid"], s["uid"], s["ses"], 3,
                                                   hexs("make -j4\r"), GS, s["user"], s["user"]))

    def noise(self):
        st = self.stamp()
        self.out.write("type=SERVICE_START %s pid=1 uid=0 auid=4294967295 ses=4294967295 subj=unconfined "
                       "msg='unit=cron comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? "
                       "terminal=? res=success'%sUID=\"root\" AUID=\"unset\"\n" % (st, GS))

    def stop(self, s):
        self.user_rec("USER_END", s,
                      "op=sandbox-stop acct=\"%s\" sandbox=sbx-%s sandbox-role=developer mem-peak=%d oom-kill=%d "
                      "cpu-usec=%d reason=logout" % (s["user"], s["user"], self.r.randrange(10 ** 6, 4 * 10 ** 9),
                                                      self.r.random() < 0.02, self.r.randrange(10 ** 7)), "success")

    def run(self, total):
        open_ = []
        while self.events < total:
            if len(open_) < self.concurrent and self.r.random() < 0.5:
                s = self.start()
                if s:
                    open_.append(s)
                continue
            if not open_:
                continue
            s = self.r.choice(open_)
            x = self.r.random()
            if s["cmds"] <= 0:
                self.stop(s)
                open_.remove(s)
            elif x < 0.70:
                self.command(s)
                s["cmds"] -= 1
            elif x < 0.80:
                self.denied(s)
            elif x < 0.83:
                self.ns(s)
            elif x < 0.90:
                self.tty(s)
            else:
                self.noise()
        for s in open_:
            self.stop(s)
        sys.stderr.write("events=%d sessions=%d\n" % (self.events, self.ses - 100))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--concurrent", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    Gen(a.seed, a.concurrent).run(a.events)


if __name__ == "__main__":
    main()
