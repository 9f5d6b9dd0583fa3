"""The one error the seed raises: it names the file, the record and the field.

It is the write step's `ChangesetError` (`app.writes.errors`): a seed run is a changeset.
"""

from app.writes.errors import ChangesetError

SeedError = ChangesetError

__all__ = ["SeedError"]
