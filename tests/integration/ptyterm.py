"""An installer's terminal on matthan's console pty, for the integration
tests (console_session.sh, setup_session.sh): start matthan and open the pty
it prints, type, and wait for what should come (an expect-style driver)."""
import os, re, select, subprocess, sys, termios, time, tty


def fail(msg, text=b""):
    sys.stdout.write("FAIL: %s\n%s\n" % (msg, text.decode(errors="replace")[-3000:]))
    sys.exit(1)


def start(cmd, timeout=30):
    """Runs cmd (matthan with console.device=pty); returns it and the pty,
    opened raw, once matthan has printed its path."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err, end = b"", time.time() + timeout
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


def fits_80(text):
    plain = re.sub(rb"\x1b\[[0-9;?]*[@-~]", b"", text)
    for row in re.split(rb"[\r\n]", plain):
        if len(row.decode(errors="replace")) > 80:
            fail("a row wider than 80 columns: %r" % row, text)


class Term:
    def __init__(self, fd):
        self.fd, self.buf, self.all = fd, b"", b""

    def _read(self):
        try:
            b = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        self.buf = (self.buf + b)[-400000:]
        self.all = (self.all + b)[-400000:]

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
                self._read()

    def poll(self, seconds):
        """Reads whatever comes for that long (into buf)."""
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], max(0, end - time.time()))
            if r:
                self._read()

    def send(self, data):
        """Writes as a terminal does: reading whatever comes meanwhile."""
        if isinstance(data, str):
            data = data.encode()
        view, end = memoryview(data), time.time() + 120
        while view:
            if time.time() > end:
                fail("the console does not take input")
            r, w, _ = select.select([self.fd], [self.fd], [], 1)
            if r:
                self._read()
            if w:
                try:
                    view = view[os.write(self.fd, view[:1024]):]
                except BlockingIOError:
                    pass

    def answer(self, prompt, text, timeout=15):
        """Waits for a question, then types the answer and Enter."""
        got = self.expect(re.escape(prompt.encode()), timeout)
        self.send(text + "\r")
        return got

    def run(self, line, timeout=10):
        """A command: its echo, its output, the next prompt."""
        self.send(line.encode() + b"\r")
        if len("matthan> " + line) >= 79:
            # a long line scrolls sideways as it is typed: no whole echo;
            # its output follows Enter
            self.expect(rb"\r\n", timeout)
            return self.expect(rb".*?\r\nmatthan> ", timeout)
        return self.expect(re.escape(line.encode()) + rb"\r\n.*?\r\nmatthan> ", timeout)
