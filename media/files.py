"""The modes of stored media files, in one place.

Every stored file is readable by its owner and its group only (FILE_UPLOAD_PERMISSIONS, 0640) and every folder
is 2750 (FILE_UPLOAD_DIRECTORY_PERMISSIONS): owner and group may enter it, and the set-group-ID bit makes what
is created inside it take the folder's group. The deployment makes nginx's user a member of the portal's group
(deploy/README.md, "Users, files and modes"): nginx then reads every file the portal stores, nobody else does.
Django's FileSystemStorage applies these settings to what it saves; this module applies them to what the
pipeline writes without it (an upload's file renamed into storage, a conversion's folder published by renaming
it).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

DEFAULT_FILE_MODE = 0o640
DEFAULT_DIRECTORY_MODE = 0o2750


def file_mode() -> int:
    return int(getattr(settings, "FILE_UPLOAD_PERMISSIONS", None) or DEFAULT_FILE_MODE)


def directory_mode() -> int:
    return int(getattr(settings, "FILE_UPLOAD_DIRECTORY_PERMISSIONS", None) or DEFAULT_DIRECTORY_MODE)


def make_dirs(path: Path) -> None:
    """Create `path` and its missing parents with the folders' mode (the ones that exist are left as they are)."""
    missing = []
    current = Path(path)
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(folder, directory_mode())


def share_file(path: Path) -> None:
    os.chmod(path, file_mode())


def share_tree(root: Path) -> None:
    """Give `root` (a folder about to be published) and everything in it the modes of stored media."""
    os.chmod(root, directory_mode())
    for folder, directories, names in os.walk(root):
        for name in directories:
            os.chmod(Path(folder) / name, directory_mode())
        for name in names:
            os.chmod(Path(folder) / name, file_mode())
