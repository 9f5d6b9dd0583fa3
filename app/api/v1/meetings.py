"""`/v1/meetings`: summits, ministerial councils and other CICA meetings."""

from app.api.v1.collection import collection_router
from app.api.v1.params import MeetingListParams
from app.models.meeting import MeetingPublic
from app.services import meetings

router = collection_router(
    path="/meetings",
    tag="meetings",
    singular="Meeting",
    plural="Meetings",
    params_model=MeetingListParams,
    public_model=MeetingPublic,
    list_records=meetings.list_meetings,
    get_record=meetings.get_meeting,
    id_name="meeting_id",
    id_description="Lowercase slug: kind and number (`summit-6`), or kind and year.",
    id_example="summit-6",
    list_summary="List meetings",
    list_description=(
        "Summits, ministerial councils and other CICA meetings in date order: number, place, "
        "host state, date (and last day), what they decided and the bodies they set up."
    ),
    get_summary="Get a meeting",
    get_description="One meeting with its place, dates, outcomes and citations.",
)
