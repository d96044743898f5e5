"""`pip install` of the built wheel in a fresh virtual environment gives a working clubbot: the
hash-checked runtime lock is enough, and the package carries its data (messages, migrations, the
playground's policy and web chat)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_wheel_installs_and_serves_the_playground(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT],
        check=True,
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--require-hashes", "-r", ROOT / "requirements.lock"], check=True)
    subprocess.run([*pip, "--no-deps", *wheels.glob("clubbot-*.whl")], check=True)
    clubbot = venv / "bin" / "clubbot"
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    version = subprocess.run(
        [clubbot, "--version"], capture_output=True, text=True, check=True, cwd=home, env=env
    )
    assert version.stdout.startswith("clubbot ")
    # No test tool came with it: the runtime lock holds the runtime alone.
    listed = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "list"], capture_output=True, text=True, check=True
    ).stdout.lower()
    assert "pytest" not in listed
    assert "mypy" not in listed
    port = _free_port()
    process = subprocess.Popen(
        [clubbot, "playground", "--port", str(port)],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        page = ""
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert "<html" in page.lower(), process.stdout.read().decode() if process.stdout else ""
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert (home / "data" / "playground.db").exists()
