"""Table models and API schemas. Importing this package registers every table."""

from app.models.api_key import ApiKey
from app.models.cbm import CbmArea, CbmDimension
from app.models.chairmanship import Chairmanship
from app.models.change import Change, RecordState
from app.models.citation import Citation
from app.models.conflict import Conflict, ConflictClaim
from app.models.council import Council
from app.models.dataset import DatasetVersion
from app.models.derivation import Derivation
from app.models.institution import Institution
from app.models.meeting import Meeting
from app.models.official import Official
from app.models.partner import Partnership
from app.models.party import Organization, State, StatusPeriod
from app.models.reform_area import ReformArea
from app.models.review import RecordReview
from app.models.revision import Revision, SeedState
from app.models.source import Source

__all__ = [
    "ApiKey",
    "CbmArea",
    "CbmDimension",
    "Chairmanship",
    "Change",
    "Citation",
    "Conflict",
    "ConflictClaim",
    "Council",
    "DatasetVersion",
    "Derivation",
    "Institution",
    "Meeting",
    "Official",
    "Organization",
    "Partnership",
    "RecordReview",
    "RecordState",
    "ReformArea",
    "Revision",
    "SeedState",
    "Source",
    "State",
    "StatusPeriod",
]
