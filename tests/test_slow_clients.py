"""Slow clients cannot freeze the mall: 500 connections that trickle their headers or bodies from
the citizens' side hold no server thread, and staff pages and /healthz keep answering within a
second, against the plain `mpp serve` of the Quick start and through the shipped nginx layout."""
import re
import shutil
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from . import helpers
from .conftest import POSTGRES_URL

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(POSTGRES_URL), reason="the served SQLite default is enough for the front end")]

SLOW_CLIENTS = 500
SITE_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "mpp.conf"


class Slowloris:
    """SLOW_CLIENTS connections from `source` (a loopback address of their own): four in five send
    a request line and then one header line every two seconds, one in five a POST whose body never
    ends, a byte every two seconds."""

    def __init__(self, host, port, source="127.0.0.2"):
        self.sockets, self.stop = [], threading.Event()
        for n in range(SLOW_CLIENTS):
            sock = socket.create_connection((host, port), timeout=5, source_address=(source, 0))
            if n % 5:
                sock.sendall(b"GET /layanan HTTP/1.1\r\nHost: mpp\r\n")
            else:
                sock.sendall(b"POST /reception/tickets HTTP/1.1\r\nHost: mpp\r\nContent-Length: 100000\r\n"
                             b"Content-Type: application/x-www-form-urlencoded\r\n\r\nvisitor_name=")
            self.sockets.append(sock)
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        while not self.stop.wait(2):
            for n, sock in enumerate(self.sockets):
                try:
                    sock.sendall(b"X-Slow: 1\r\n" if n % 5 else b"a")
                except OSError:
                    pass  # closed by the server: that is its right

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def staff_latencies(base, seconds=12):
    """A receptionist's overview polls and monitoring's /healthz while the slow clients hold on."""
    desk = helpers.Desk(type("S", (), {"base": base})(), "desk0")
    latencies, failures = [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for url, http in ((f"{base}/healthz", requests), (f"{base}/reception/overview", desk.http)):
            started = time.monotonic()
            try:
                response = http.get(url, timeout=5)
                if response.status_code != 200:
                    failures.append(f"{url}: {response.status_code}")
            except requests.RequestException as error:
                failures.append(f"{url}: {error!r}")
            latencies.append(time.monotonic() - started)
        time.sleep(0.2)  # a busy desk, far above the 5 s poll of one reception PC
    return latencies, failures


def p99(values):
    return statistics.quantiles(values, n=100)[98]


def test_the_plain_server_keeps_answering_staff_while_slow_clients_hold_500_connections(tmp_path):
    env = helpers.instance_env(tmp_path / "instance")
    helpers.prepare(env)
    server = helpers.Server(env).start()
    attack = None
    try:
        attack = Slowloris("127.0.0.1", server.port)
        latencies, failures = staff_latencies(server.base)
        assert failures == []
        assert len(latencies) > 50 and p99(latencies) < 1.0, f"p99 {p99(latencies):.2f} s"
        assert server.process.poll() is None
    finally:
        if attack:
            attack.close()
        server.stop()


def nginx_config(directory: Path, listen: int, upstream: int) -> Path:
    """The shipped site configuration, on test ports, inside a minimal nginx.conf of its own."""
    site = SITE_CONFIG.read_text()
    site = re.sub(r"listen\s+80;", f"listen 127.0.0.1:{listen};", site)
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{upstream}")
    (directory / "site.conf").write_text(site)
    conf = directory / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/site.conf;
}}
""")
    return conf


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="Debian's nginx is installed by .ci/run")
def test_the_shipped_nginx_layout_keeps_answering_staff_while_slow_clients_hold_500_connections(tmp_path):
    env = {**helpers.instance_env(tmp_path / "instance"), "MPP_PROXY_COUNT": "1"}
    helpers.prepare(env)
    server = helpers.Server(env).start()
    listen = helpers.free_port()
    conf = nginx_config(tmp_path, listen, server.port)
    nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    attack = None
    try:
        base = f"http://127.0.0.1:{listen}"
        for _ in range(50):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        attack = Slowloris("127.0.0.1", listen)
        latencies, failures = staff_latencies(base)
        assert failures == []
        assert len(latencies) > 50 and p99(latencies) < 1.0, f"p99 {p99(latencies):.2f} s"
        assert nginx.poll() is None
    finally:
        if attack:
            attack.close()
        nginx.terminate()
        nginx.wait(timeout=10)
        server.stop()
