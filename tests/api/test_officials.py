"""`/v1/officials`: the executive heads of CICA and their deputies, against officials.toml."""

import datetime as dt
from collections import defaultdict

from fastapi.testclient import TestClient

from app.models.base import first_day, last_day
from app.services.officials import HEAD_POSTS
from tests.api.helpers import assert_problem, footnoted, ids
from tests.support import data

FIELDS = ("post", "names", "aliases", "nationality", "term_start", "term_end", "appointed_at")


def test_each_official_as_the_file_says(client: TestClient) -> None:
    for official in data.records("officials"):
        served = client.get(f"/v1/officials/{official.id}").json()
        assert {f: served[f] for f in FIELDS} == {f: getattr(official, f) for f in FIELDS}


def test_one_record_per_person_per_post(client: TestClient) -> None:
    posts: dict[str, list[str]] = defaultdict(list)
    for official in client.get("/v1/officials?limit=200").json()["data"]:
        posts[official["names"]["en"]].append(official["post"])
    assert all(len(held) == len(set(held)) for held in posts.values()), posts
    assert sum(map(len, posts.values())) == len(data.records("officials"))


def test_heads_in_order_and_at_most_one_in_office(client: TestClient) -> None:
    today = dt.date.today()
    for post in HEAD_POSTS:
        heads = client.get(f"/v1/officials?post={post}&limit=200").json()["data"]
        starts = [o["term_start"] or o["attested_from"] for o in heads]
        assert starts == sorted(starts, key=first_day)
        in_office = ids(client, f"/v1/officials?current=true&post={post}")
        assert len(in_office) <= 1, post
        # A head serves until a later one starts: only the latest can be in office.
        if heads:
            latest = heads[-1]
            begun = (first_day(starts[-1]) or dt.date.max) <= today
            ended = (last_day(latest["term_end"]) or dt.date.max) < today
            assert in_office == ([latest["id"]] if begun and not ended else []), post


def test_appointing_meetings_and_nationalities_resolve(client: TestClient) -> None:
    for official in client.get("/v1/officials?limit=200").json()["data"]:
        if official["appointed_at"]:
            assert client.get(f"/v1/meetings/{official['appointed_at']}").status_code == 200
        if official["nationality"]:
            assert client.get(f"/v1/members/{official['nationality']}").status_code == 200
        supported = footnoted(official)
        for field in ("post", "names", "nationality", "term_start", "term_end", "appointed_at"):
            if official[field]:
                assert field in supported, (official["id"], field)


def test_filters_and_errors(client: TestClient) -> None:
    nationality = next(o.nationality for o in data.records("officials") if o.nationality)
    listed = client.get(f"/v1/officials?nationality={nationality.lower()}&limit=200").json()
    assert {o["id"] for o in listed["data"]} == {
        o.id for o in data.records("officials") if o.nationality == nationality
    }
    assert_problem(client.get("/v1/officials?post=president"), 422)
    assert_problem(client.get("/v1/officials?current=maybe"), 422)
    assert_problem(client.get("/v1/officials/nobody-at-all"), 404)


def test_search_finds_an_official_by_an_alias(client: TestClient) -> None:
    official = next(o for o in data.records("officials") if o.aliases)
    assert official.id in ids(client, f"/v1/search?q={official.aliases[0]}&limit=50")
