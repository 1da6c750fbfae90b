"""A file attached to a post, as the daemon hands it to a platform adapter: its stored
(metadata-stripped) copy, what it is and its alt text. Shared by the domain and the
adapters, which may not import each other."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MediaFile:
    path: str
    """The stripped copy the daemon reads (never the file the person chose)."""
    sha256: str
    """Of the stripped bytes: what the clearance covers."""
    mime: str
    """image/jpeg, image/png, image/gif, image/webp or video/mp4."""
    alt: str
    name: str
    """The file's name as the person chose it, for messages."""
    size: int
    width: int | None = None
    height: int | None = None

    @property
    def is_video(self) -> bool:
        return not self.mime.startswith("image/")

    def read(self) -> bytes:
        """The stored bytes, refused (ValueError) if they are not the ones cleared: a file
        changed between the daemon's check and the upload is never sent."""
        data = Path(self.path).read_bytes()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise ValueError(f"{self.name}: the stored file is not the one that was cleared")
        return data
