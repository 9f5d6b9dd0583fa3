"""`/v1/partner-organizations`, against what partner_organizations.toml says."""

from fastapi.testclient import TestClient

from tests.api.helpers import assert_problem, ids
from tests.support import data


def test_each_partnership_as_its_file_says(client: TestClient) -> None:
    for partner in data.records("partner-organizations"):
        served = client.get(f"/v1/partner-organizations/{partner.id.upper()}").json()
        fields = ("relationship", "status", "since", "attested_from", "until")
        assert served["id"] == partner.id
        assert {f: served[f] for f in fields} == {f: getattr(partner, f) for f in fields}


def test_signed_and_in_preparation(client: TestClient) -> None:
    partners = data.records("partner-organizations")
    for status in {p.status for p in partners} | {"active", "in-preparation"}:
        listed = ids(client, f"/v1/partner-organizations?status={status}&limit=200")
        assert set(listed) == {p.id for p in partners if p.status == status}, status


def test_relationship_filter(client: TestClient) -> None:
    partners = data.records("partner-organizations")
    for relationship in {p.relationship for p in partners}:
        # The default list shows the partnerships that hold; an ended one when asked for.
        url = f"/v1/partner-organizations?relationship={relationship}&limit=200"
        listed = ids(client, url)
        assert set(listed) == {
            p.id for p in partners if p.relationship == relationship and p.status != "ended"
        }
        ended = ids(client, f"{url}&status=ended")
        assert set(ended) == {
            p.id for p in partners if p.relationship == relationship and p.status == "ended"
        }
    assert_problem(client.get("/v1/partner-organizations?relationship=friends"), 422)
