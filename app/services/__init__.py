"""Every query and write, one module per resource; no HTTP in here."""
