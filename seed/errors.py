"""The one error the seed pipeline raises: it names the file, the record and the field."""


class SeedError(Exception):
    def __init__(self, file: str, record: str | None, field: str | None, message: str) -> None:
        self.file, self.record, self.field, self.message = file, record, field, message
        where = file
        if record is not None:
            where += f", record {record}"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")
