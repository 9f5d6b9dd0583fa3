"""`/v1/cbm-dimensions`: the Catalogue of Confidence Building Measures."""

from app.api.v1.collection import collection_router
from app.api.v1.params import CbmDimensionListParams
from app.models.cbm import CbmDimensionPublic
from app.services import cbm

router = collection_router(
    path="/cbm-dimensions",
    tag="cbm dimensions",
    singular="CbmDimension",
    plural="CbmDimensions",
    params_model=CbmDimensionListParams,
    public_model=CbmDimensionPublic,
    list_records=cbm.list_dimensions,
    get_record=cbm.get_dimension,
    id_name="dimension_id",
    id_description="Lowercase slug of the dimension.",
    id_example="economic",
    list_summary="List CBM dimensions",
    list_description=(
        "The five dimensions of the CICA Catalogue of Confidence Building Measures, each with "
        "its priority areas and, where a source names them, coordinator and co-coordinator states."
    ),
    get_summary="Get a CBM dimension",
    get_description="One dimension with its priority areas and their coordinators.",
)
