"""`/v1/observers`: observer states and organizations, and applicants."""

from app.api.v1.collection import collection_router
from app.api.v1.params import ObserverListParams
from app.models.observer import ObserverPublic
from app.services import observers

router = collection_router(
    path="/observers",
    tag="observers",
    singular="Observer",
    plural="Observers",
    params_model=ObserverListParams,
    public_model=ObserverPublic,
    list_records=observers.list_observers,
    get_record=observers.get_observer,
    id_name="observer_id",
    id_description="ISO 3166-1 alpha-2 code for a state, a lowercase slug for an organization.",
    id_example="JP",
    list_summary="List observers and applicants",
    list_description=(
        "States and international organizations holding observer status, and applicants "
        "for it, today or on the day given by `as_of`. Observer organizations are distinct "
        "from partner organizations (`/v1/partner-organizations`)."
    ),
    get_summary="Get an observer or applicant",
    get_description="One state or organization that is or was an observer or applicant.",
)
