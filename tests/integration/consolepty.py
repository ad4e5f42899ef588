"""The console of the real matthan over its pty, as an installer's terminal
drives it: start it, wait for its pty, send keys, expect output. Shared by
the console integration tests (console_session.sh, console_station.sh)."""
import os, re, select, subprocess, sys, termios, time, tty


def fail(msg, text=b""):
    sys.stdout.write("FAIL: %s\n%s\n" % (msg, text.decode(errors="replace")[-3000:]))
    sys.exit(1)


def start(cmd):
    """Runs cmd (matthan with console.device=pty); returns it and the pty."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err, end = b"", time.time() + 20
    while time.time() < end:
        r, _, _ = select.select([p.stderr], [], [], 0.2)
        if r:
            chunk = os.read(p.stderr.fileno(), 65536)
            if not chunk:
                break
            err += chunk
            m = re.search(rb"console on pseudo-terminal (\S+)", err)
            if m:
                fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
                tty.setraw(fd, termios.TCSANOW)
                return p, fd
    p.kill()
    fail("matthan did not print its console's pty", err)


class Term:
    def __init__(self, fd):
        self.fd, self.buf = fd, b""

    def expect(self, pattern, timeout=10):
        """Reads until pattern (bytes regex) shows; returns what came so far."""
        end = time.time() + timeout
        while True:
            m = re.search(pattern, self.buf, re.S)
            if m:
                got, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return got
            left = end - time.time()
            if left <= 0:
                fail("no %r on the console" % pattern, self.buf)
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    self.buf += os.read(self.fd, 65536)
                except BlockingIOError:
                    pass

    def send(self, data):
        """Writes as a terminal does: reading whatever comes meanwhile."""
        view, end = memoryview(data), time.time() + 120
        while view:
            if time.time() > end:
                fail("the console does not take input")
            r, w, _ = select.select([self.fd], [self.fd], [], 1)
            if r:
                try:
                    self.buf = (self.buf + os.read(self.fd, 65536))[-400000:]
                except BlockingIOError:
                    pass
            if w:
                try:
                    view = view[os.write(self.fd, view[:1024]):]
                except BlockingIOError:
                    pass

    def run(self, line, timeout=10):
        self.send(line.encode() + b"\r")
        if len("matthan> " + line) >= 79:
            # a long line scrolls sideways as it is typed: no whole echo;
            # its output follows Enter
            self.expect(rb"\r\n", timeout)
            return self.expect(rb".*?\r\nmatthan> ", timeout)
        # the echo of the line, its output, the next prompt
        return self.expect(re.escape(line.encode()) + rb"\r\n.*?\r\nmatthan> ", timeout)


def fits_80(text):
    plain = re.sub(rb"\x1b\[[0-9;?]*[@-~]", b"", text)
    for row in re.split(rb"[\r\n]", plain):
        if len(row.decode(errors="replace")) > 80:
            fail("a row wider than 80 columns: %r" % row, text)
