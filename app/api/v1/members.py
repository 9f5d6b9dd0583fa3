"""`/v1/members`: CICA's member states."""

from app.api.v1.collection import collection_router
from app.api.v1.params import MemberListParams
from app.models.member import MemberPublic
from app.services import members

router = collection_router(
    path="/members",
    tag="members",
    singular="Member",
    plural="Members",
    params_model=MemberListParams,
    public_model=MemberPublic,
    list_records=members.list_members,
    get_record=members.get_member,
    id_name="member_id",
    id_description="ISO 3166-1 alpha-2 code (alpha-3 accepted), any case.",
    id_example="KZ",
    list_summary="List member states",
    list_description=(
        "The member states of CICA today, or on the day given by `as_of`, sorted by name. "
        "Each record gives ISO codes, when the state joined (at the precision a source "
        "gives), whether it is a founding member, its status history and its citations."
    ),
    get_summary="Get a member state",
    get_description="One state that is or was a member, with its status history and citations.",
)
