"""The beta Files API over HTTP (/api/v1/beta/files): upload, get, list, query, content, delete, errors."""

from __future__ import annotations

import pytest

from tests.support import DEFAULT_PROJECT_ID as DEFAULT_PROJECT
from tests.support import detail_locs, ok

API = "/api/v1/beta/files"
VIEW_FIELDS = {"id", "name", "project_id", "external_file_id", "file_type", "purpose", "expires_at", "last_modified_at"}


@pytest.fixture
def fake(make_client):
    """On a virtual clock: each upload gets the instant the test gives it."""
    return make_client(virtual_clock=True)


def upload(client, name="doc.txt", content=b"hello", purpose="extract", params=None, **form):
    return client.post(
        API, params=params or {}, data={"purpose": purpose, **form}, files={"file": (name, content, "text/plain")}
    )


def advance(client, seconds=1):
    ok(client.post("/_mock/clock/advance", json={"seconds": seconds}))


def test_upload_get_and_the_same_file_through_v1(fake):
    created = ok(upload(fake, name="report.pdf", content=b"%PDF-1.4", purpose="parse"))
    assert set(created) == VIEW_FIELDS
    assert created["id"].startswith("dfl-") and len(created["id"]) == 40
    assert {
        k: created[k] for k in ("name", "project_id", "external_file_id", "file_type", "purpose", "expires_at")
    } == {
        "name": "report.pdf",
        "project_id": DEFAULT_PROJECT,
        "external_file_id": "report.pdf",
        "file_type": "pdf",
        "purpose": "parse",
        "expires_at": None,
    }
    assert ok(fake.get(f"{API}/{created['id']}")) == created
    v1 = ok(fake.get(f"/api/v1/files/{created['id']}"))  # one store behind both APIs
    assert (v1["id"], v1["file_size"], v1["purpose"]) == (created["id"], 8, "parse")
    assert ok(upload(fake, external_file_id="ext-42"))["external_file_id"] == "ext-42"
    assert ok(upload(fake, params={"project_id": "p2"}))["project_id"] == "p2"
    assert ok(upload(fake, name="../../etc/passwd"))["name"] == "passwd"


def test_download_url_on_expand_and_content_serve_the_bytes_without_auth(fake):
    created = ok(upload(fake, content=b"\x00\x01 exact bytes"))
    expanded = ok(fake.get(f"{API}/{created['id']}", params={"expand": "download_url"}))
    assert set(expanded) == VIEW_FIELDS | {"download_url"}
    presigned = ok(fake.get(f"{API}/{created['id']}/content", params={"expires_at_seconds": 60}))
    assert set(presigned) == {"url", "expires_at", "form_fields"} and presigned["form_fields"] is None
    for url in (expanded["download_url"]["url"], presigned["url"]):
        path = url.removeprefix("http://testserver")
        fetched = fake.get(path, headers={"Authorization": ""})
        assert fetched.status_code == 200 and fetched.content == b"\x00\x01 exact bytes"
    advance(fake, 61)
    expired = fake.get(presigned["url"].removeprefix("http://testserver"))
    assert expired.status_code == 403
    assert detail_locs(fake.get(f"{API}/{created['id']}", params={"expand": "thumbnail"})) == [["query", "expand"]]
    assert detail_locs(fake.get(f"{API}/{created['id']}/content", params={"expires_at_seconds": 0})) == [
        ["query", "expires_at_seconds"]
    ]


def test_upload_errors(make_client):
    fake = make_client(max_file_size=10)
    missing_purpose = fake.post(API, files={"file": ("a.txt", b"x", "text/plain")})
    assert detail_locs(missing_purpose) == [["body", "purpose"]]
    assert missing_purpose.json()["detail"][0]["msg"] == "Field required"
    assert detail_locs(upload(fake, purpose="archive")) == [["body", "purpose"]]
    assert detail_locs(fake.post(API, files={"purpose": (None, "extract")})) == [["body", "file"]]
    as_text = fake.post(API, files={"purpose": (None, "extract"), "file": (None, "not a file")})
    assert detail_locs(as_text) == [["body", "file"]]
    too_large = upload(fake, content=b"x" * 11)
    assert too_large.status_code == 413
    assert too_large.json()["detail"].startswith("The file is 11 bytes, more than this server accepts (10 bytes")
    assert ok(fake.get(API))["items"] == []


def test_list_orders_filters_and_pages(fake):
    names = ["b.txt", "c.txt", "a.txt"]
    files = []
    for name in names:
        files.append(ok(upload(fake, name=name, external_file_id=f"ext-{name}")))
        advance(fake)
    ok(upload(fake, name="elsewhere.txt", params={"project_id": "other"}))

    def listed(**params):
        return [f["name"] for f in ok(fake.get(API, params=params))["items"]]

    assert listed() == ["a.txt", "c.txt", "b.txt"]  # newest first
    assert listed(order_by="name") == ["a.txt", "b.txt", "c.txt"]
    assert listed(order_by="id") == [f["name"] for f in sorted(files, key=lambda f: f["id"])]
    assert listed(file_name="c.txt") == ["c.txt"]
    assert listed(external_file_id="ext-b.txt") == ["b.txt"]
    assert listed(file_ids=[files[0]["id"], files[2]["id"]]) == ["a.txt", "b.txt"]
    assert listed(project_id="other") == ["elsewhere.txt"]
    assert [f["name"] for f in ok(fake.get(API, headers={"Project-Id": "other"}))["items"]] == ["elsewhere.txt"]

    first = ok(fake.get(API, params={"order_by": "name", "page_size": 2}))
    assert [f["name"] for f in first["items"]] == ["a.txt", "b.txt"]
    ok(upload(fake, name="aa.txt"))  # sorts before the token: the next page does not repeat anything
    rest = ok(fake.get(API, params={"order_by": "name", "page_size": 2, "page_token": first["next_page_token"]}))
    assert ([f["name"] for f in rest["items"]], rest["next_page_token"]) == (["c.txt"], None)
    with_urls = ok(fake.get(API, params={"expand": "download_url", "page_size": 1}))["items"]
    assert with_urls[0]["download_url"]["url"].startswith("http://testserver/files-content/")

    assert detail_locs(fake.get(API, params={"order_by": "size"})) == [["query", "order_by"]]
    # a token of one order is refused by another
    assert detail_locs(fake.get(API, params={"order_by": "id", "page_token": first["next_page_token"]})) == [
        ["query", "page_token"]
    ]
    assert detail_locs(fake.get(API, params={"page_size": 0})) == [["query", "page_size"]]


def test_query_filters_and_orders(fake):
    for name, size in (("x.txt", 3), ("y.txt", 1), ("z.txt", 2)):
        ok(upload(fake, name=name, content=b"." * size))
        advance(fake)

    def queried(body, **params):
        return [f["name"] for f in ok(fake.post(f"{API}/query", params=params, json=body))["items"]]

    assert queried({}) == ["z.txt", "y.txt", "x.txt"]
    assert queried({"order_by": "name desc"}) == ["z.txt", "y.txt", "x.txt"]
    assert queried({"order_by": "file_size"}) == ["y.txt", "z.txt", "x.txt"]
    assert queried({"order_by": "external_file_id asc, created_at desc"}) == ["x.txt", "y.txt", "z.txt"]
    assert queried({"filter": {"file_name": "y.txt"}}) == ["y.txt"]
    assert queried({"filter": {"only_manually_uploaded": True, "data_source_id": None}}) == ["z.txt", "y.txt", "x.txt"]
    assert queried({"filter": {"data_source_id": "ds-1"}}) == []
    assert queried({"filter": {"project_id": "other"}}) == []
    assert queried({"filter": {"project_id": DEFAULT_PROJECT}, "page_size": 1}) == ["z.txt"]
    page = ok(fake.post(f"{API}/query", json={"page_size": 2, "order_by": "name"}))
    rest = ok(
        fake.post(f"{API}/query", json={"page_size": 2, "order_by": "name", "page_token": page["next_page_token"]})
    )
    assert [f["name"] for f in page["items"] + rest["items"]] == ["x.txt", "y.txt", "z.txt"]
    assert detail_locs(fake.post(f"{API}/query", json={"order_by": "name sideways"})) == [["body", "order_by"]]
    assert detail_locs(fake.post(f"{API}/query", json={"page_token": "nope"})) == [["body", "page_token"]]
    assert detail_locs(fake.post(f"{API}/query", json={"filter": {"file_ids": "x"}})) == [
        ["body", "filter", "file_ids"]
    ]


def test_delete_and_unknown_files(fake):
    created = ok(upload(fake))
    url = ok(fake.get(f"{API}/{created['id']}/content"))["url"].removeprefix("http://testserver")
    assert fake.get(f"{API}/{created['id']}", params={"project_id": "other"}).status_code == 404
    assert fake.delete(f"{API}/{created['id']}", params={"project_id": "other"}).status_code == 404
    deleted = fake.delete(f"{API}/{created['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    for response in (fake.get(f"{API}/{created['id']}"), fake.delete(f"{API}/{created['id']}"), fake.get(url)):
        assert response.status_code == 404
        assert response.json() == {"detail": f"File '{created['id']}' not found"}
    assert fake.get(f"{API}/nope/content").status_code == 404
    assert fake.get(API, headers={"Authorization": ""}).status_code == 401
