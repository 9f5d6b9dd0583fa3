"""CICA Data API: cited reference data about the Conference on Interaction and
Confidence Building Measures in Asia, served as a versioned JSON API."""
