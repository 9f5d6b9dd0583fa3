"""Writes to the dataset: changesets of record operations, applied by one step
(`app.writes.step.apply`) under the writers' lock. The seed is such a changeset; so will
be every maintainer's write through the API."""
