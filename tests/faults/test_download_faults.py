"""A mirror that answers and then trickles is abandoned after data.timeout for the whole
file, and the next mirror is tried; downloaded files are readable as the umask says."""

import http.server
import os
import threading
import time

import pytest

from mnist_vae.data.download import download_from_mirrors
from mnist_vae.data.mnist import MNIST_FILES
from mnist_vae.storage.files import file_digest


class Trickle(http.server.BaseHTTPRequestHandler):
    """Promises a megabyte, then sends one byte every 0.1 s."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 20))
        self.end_headers()
        try:
            for _ in range(1 << 20):
                self.wfile.write(b"\0")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def trickling_mirror():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_a_trickling_mirror_is_abandoned_after_the_timeout_for_the_next(
    tmp_path, mnist_dir, serve, trickling_mirror
):
    name = MNIST_FILES["train_labels"]
    destination = tmp_path / "raw"
    destination.mkdir()
    start = time.monotonic()
    url = download_from_mirrors(
        name,
        [trickling_mirror, serve(mnist_dir)],
        file_digest(mnist_dir / name, "md5"),
        destination / name,
        timeout=1.0,
    )
    assert time.monotonic() - start < 10  # one timeout and one read, not a megabyte of 0.1 s
    assert not url.startswith(trickling_mirror)
    assert (destination / name).read_bytes() == (mnist_dir / name).read_bytes()
    assert [p.name for p in destination.iterdir()] == [name]


def test_downloaded_files_get_the_mode_the_umask_gives(tmp_path, mnist_dir, serve):
    name = MNIST_FILES["test_labels"]
    previous = os.umask(0o022)
    try:
        download_from_mirrors(
            name, [serve(mnist_dir)], file_digest(mnist_dir / name, "md5"), tmp_path / name
        )
    finally:
        os.umask(previous)
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o644
