"""`/v1/partner-organizations`: organizations CICA cooperates with."""

from app.api.v1.collection import collection_router
from app.api.v1.params import PartnerListParams
from app.models.partner import PartnerOrganizationPublic
from app.services import partners

router = collection_router(
    path="/partner-organizations",
    tag="partner organizations",
    singular="PartnerOrganization",
    plural="PartnerOrganizations",
    params_model=PartnerListParams,
    public_model=PartnerOrganizationPublic,
    list_records=partners.list_partners,
    get_record=partners.get_partner,
    id_name="partner_id",
    id_description="Lowercase slug, usually the organization's acronym.",
    id_example="sco",
    list_summary="List partner organizations",
    list_description=(
        "International organizations CICA cooperates with, with the kind of relationship, "
        "and those where cooperation is being prepared (`status=in-preparation`)."
    ),
    get_summary="Get a partner organization",
    get_description="One partner organization with its relationship to CICA and citations.",
)
