"""CICA Data API: cited reference data about the Conference on Interaction and
Confidence Building Measures in Asia, served as a versioned JSON API."""

__version__ = "1.0.0"
"""The API's version (OpenAPI `info.version`) and the package's: semantic versioning, the
major version being the `/v1` of the URLs. See CHANGELOG.md."""
