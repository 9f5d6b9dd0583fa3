"""`/v1/chairmanships`: which state chaired CICA, and when."""

from app.api.v1.collection import collection_router
from app.api.v1.params import ChairmanshipListParams
from app.models.chairmanship import ChairmanshipPublic
from app.services import chairmanships

router = collection_router(
    path="/chairmanships",
    tag="chairmanships",
    singular="Chairmanship",
    plural="Chairmanships",
    params_model=ChairmanshipListParams,
    public_model=ChairmanshipPublic,
    list_records=chairmanships.list_chairmanships,
    get_record=chairmanships.get_chairmanship,
    id_name="chairmanship_id",
    id_description="Lowercase slug: the chair state's name and the year its term began.",
    id_example="azerbaijan-2024",
    list_summary="List chairmanships",
    list_description="Every chairmanship of CICA in order, with its term as the sources give it.",
    get_summary="Get a chairmanship",
    get_description="One chairmanship with its term, citations and competing dates.",
)
