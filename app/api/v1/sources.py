"""`/v1/sources`: the documents and references the dataset cites."""

from app.api.v1.collection import collection_router
from app.api.v1.params import SourceListParams
from app.models.source import SourcePublic
from app.services import sources

router = collection_router(
    path="/sources",
    tag="sources",
    singular="Source",
    plural="Sources",
    params_model=SourceListParams,
    public_model=SourcePublic,
    list_records=sources.list_sources,
    get_record=sources.get_source,
    id_name="source_id",
    id_description="Lowercase slug of the source.",
    id_example="astana-times-2024-12",
    list_summary="List sources",
    list_description=(
        "Every document and public reference the dataset cites: title, publisher, date, "
        "URL and, for the source documents, the SHA-256 of the text the quotes were checked against."
    ),
    get_summary="Get a source",
    get_description="One source with how many citations refer to it.",
)
