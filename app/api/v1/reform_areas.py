"""`/v1/reform-areas`: the reform areas of the Roadmap for CICA Transformation."""

from app.api.v1.collection import collection_router
from app.api.v1.params import ReformAreaListParams
from app.models.reform_area import ReformAreaPublic
from app.services import reform_areas

router = collection_router(
    path="/reform-areas",
    tag="reform areas",
    singular="ReformArea",
    plural="ReformAreas",
    params_model=ReformAreaListParams,
    public_model=ReformAreaPublic,
    list_records=reform_areas.list_reform_areas,
    get_record=reform_areas.get_reform_area,
    id_name="reform_area_id",
    id_description="Lowercase slug of the reform area.",
    id_example="charter",
    list_summary="List the Roadmap's reform areas",
    list_description=(
        "The eight reform areas of the Roadmap for CICA Transformation (2023), in Roadmap "
        "order, each with what the sources report of its progress."
    ),
    get_summary="Get a reform area",
    get_description="One reform area of the Transformation Roadmap with its reported progress.",
)
