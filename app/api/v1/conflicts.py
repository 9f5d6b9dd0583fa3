"""`/v1/conflicts`: facts on which sources disagree."""

from app.api.v1.collection import collection_router
from app.api.v1.params import ConflictListParams
from app.models.conflict import ConflictPublic
from app.services import conflicts

router = collection_router(
    path="/conflicts",
    tag="conflicts",
    singular="Conflict",
    plural="Conflicts",
    params_model=ConflictListParams,
    public_model=ConflictPublic,
    list_records=conflicts.list_conflicts,
    get_record=conflicts.get_conflict,
    id_name="conflict_id",
    id_description="Lowercase slug of the conflict.",
    id_example="roadmap-approval-date",
    list_summary="List conflicts between sources",
    list_description=(
        "Every fact on which sources disagree: the record and field concerned (if any), each "
        "competing claim with its citations, and which value the API treats as current. The "
        "records themselves list the alternatives in `disputed`."
    ),
    get_summary="Get a conflict",
    get_description="One conflict with all its claims and their citations.",
)
