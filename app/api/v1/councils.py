"""`/v1/councils`: CICA's councils and other bodies."""

from app.api.v1.collection import collection_router
from app.api.v1.params import CouncilListParams
from app.models.council import CouncilPublic
from app.services import councils

router = collection_router(
    path="/councils",
    tag="councils",
    singular="Council",
    plural="Councils",
    params_model=CouncilListParams,
    public_model=CouncilPublic,
    list_records=councils.list_councils,
    get_record=councils.get_council,
    id_name="council_id",
    id_description="Lowercase slug of the council or body.",
    id_example="youth-council",
    list_summary="List councils and other bodies",
    list_description=(
        "CICA's policy-making councils, committees, the Secretariat, advisory councils, "
        "funds, forums and networks, with their `kind` and `status` (`established`, "
        "`proposed` or `planned`)."
    ),
    get_summary="Get a council or body",
    get_description="One council or body with its status, dates and citations.",
)
