"""The LFS server's own store, where gc can delete: an S3 bucket behind the LFS server.

The Git LFS API has no delete, so no LFS server (GitHub, GitLab, Gitea, giftless) can be asked
to drop an object. When the server keeps its objects in S3-compatible storage (giftless's S3
backend: key `<path_prefix>/<org>/<repo>/<oid>`), gc deletes them there itself, with the
credentials boto3 finds (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from gitreg.core.errors import GitregError, InvalidValueError, RemoteError
from gitreg.git import lfs


@dataclass(frozen=True)
class S3Store:
    bucket: str
    prefix: str  # up to the oid: '<path_prefix>/<org>/<repo>'
    endpoint: Optional[str] = None

    @classmethod
    def parse(cls, url: str, endpoint: Optional[str] = None) -> "S3Store":
        """s3://BUCKET/PREFIX (the LFS server's path prefix, organisation and repository)."""
        if not url.startswith("s3://") or "/" not in url[5:].strip("/"):
            raise InvalidValueError(f"server store {url!r}: expected s3://BUCKET/PREFIX (e.g. s3://lfs/org/repo)")
        bucket, _, prefix = url[5:].partition("/")
        return cls(bucket, prefix.strip("/"), endpoint)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" + (f" at {self.endpoint}" if self.endpoint else "")

    def _client(self):
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise GitregError("deleting from an S3 store needs boto3: pip install 'git-model-registry[s3]'") from None
        session = boto3.session.Session()  # not boto3's default one: it keeps the credentials it first read
        return session.client("s3", endpoint_url=self.endpoint,
                              config=Config(retries={"max_attempts": 2}, connect_timeout=10, read_timeout=60))

    def delete(self, oids: Iterable[str]) -> list[str]:
        """Delete these objects; returns the oids that were there. One line on any refusal."""
        import botocore.exceptions

        s3 = self._client()
        gone = []
        try:
            for oid in sorted(set(oids)):
                if not lfs.is_oid(oid):
                    continue
                key = f"{self.prefix}/{oid}"
                try:
                    s3.head_object(Bucket=self.bucket, Key=key)
                except botocore.exceptions.ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                        continue
                    raise
                s3.delete_object(Bucket=self.bucket, Key=key)
                gone.append(oid)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise RemoteError(f"cannot delete from {self}: {str(exc).splitlines()[0][:300]} "
                              f"({len(gone)} object(s) deleted before that)") from None
        return gone
