"""``bao token create|lookup|renew|revoke`` output, compared with the reference's output
(recorded from OpenBao 2.7.2) after masking token ids, accessors and times."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from harness import ServerProcess

MASKED_KEYS = ("token", "token_accessor", "accessor", "id", "creation_time", "expire_time",
               "issue_time", "ttl")
MASK = re.compile(rf"^({'|'.join(MASKED_KEYS)})(\s+)\S+$", re.MULTILINE)

CREATE_TABLE = """\
Key                  Value
---                  -----
token                <masked>
token_accessor       <masked>
token_duration       1h
token_renewable      true
token_policies       ["default" "dev"]
identity_policies    []
policies             ["default" "dev"]
token_meta_a         b
"""
LOOKUP_TABLE = """\
Key                 Value
---                 -----
accessor            <masked>
creation_time       <masked>
creation_ttl        1h
display_name        token-cli
entity_id           n/a
expire_time         <masked>
explicit_max_ttl    2h
id                  <masked>
issue_time          <masked>
meta                map[a:b]
num_uses            0
orphan              false
path                auth/token/create
policies            [default dev]
renewable           true
ttl                 <masked>
type                service
"""
RENEW_TABLE = """\
Key                  Value
---                  -----
token                <masked>
token_accessor       <masked>
token_duration       30m
token_renewable      true
token_policies       ["default" "dev"]
identity_policies    []
policies             ["default" "dev"]
token_meta_a         b
"""
BATCH_TABLE = """\
Key                  Value
---                  -----
token                <masked>
token_accessor       <masked>
token_duration       10m
token_renewable      false
token_policies       ["default" "dev"]
identity_policies    []
policies             ["default" "dev"]
"""


def masked(text: str) -> str:
    return MASK.sub(r"\1\2<masked>", text)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return result.stdout


@pytest.fixture(scope="module")
def cli(dev_server: ServerProcess) -> ServerProcess:
    resp = dev_server.request("PUT", "/v1/sys/policies/acl/dev",
                              json={"policy": 'path "secret/*" { capabilities = ["read"] }'})
    assert resp.status_code == 204
    return dev_server


def bao(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return server.bao(*args, token="root")


def test_create_lookup_renew_revoke(cli: ServerProcess) -> None:
    create = ok(bao(cli, "token", "create", "-policy=dev", "-ttl=1h", "-display-name=cli",
                    "-metadata=a=b", "-explicit-max-ttl=2h"))
    assert masked(create) == CREATE_TABLE
    token = re.search(r"^token\s+(\S+)$", create, re.MULTILINE)
    assert token is not None
    lookup = ok(bao(cli, "token", "lookup", token.group(1)))
    assert masked(lookup) == LOOKUP_TABLE
    accessor = json.loads(ok(bao(cli, "token", "lookup", "-format=json", token.group(1))))[
        "data"]["accessor"]
    by_accessor = ok(bao(cli, "token", "lookup", "-accessor", accessor))
    assert re.search(r"^id\s+n/a$", by_accessor, re.MULTILINE), by_accessor
    assert masked(ok(bao(cli, "token", "renew", "-increment=30m", token.group(1)))) == (
        RENEW_TABLE)

    revoke = bao(cli, "token", "revoke", token.group(1))
    assert ok(revoke) == "Success! Revoked token (if it existed)\n"
    gone = bao(cli, "token", "lookup", token.group(1))
    assert gone.returncode == 2
    assert "Code: 403. Errors:\n\n* bad token" in gone.stderr
    again = bao(cli, "token", "revoke", token.group(1))  # revoking twice is not an error
    assert ok(again) == "Success! Revoked token (if it existed)\n"


def test_lookup_json_fields(cli: ServerProcess) -> None:
    token = ok(bao(cli, "token", "create", "-policy=dev", "-field=token")).strip()
    data = json.loads(ok(bao(cli, "token", "lookup", "-format=json", token)))["data"]
    assert set(data) == {
        "accessor", "creation_time", "creation_ttl", "display_name", "entity_id", "expire_time",
        "explicit_max_ttl", "id", "issue_time", "meta", "num_uses", "orphan", "path",
        "policies", "renewable", "ttl", "type",
    }
    assert (data["id"], data["creation_ttl"], data["meta"]) == (token, 2764800, None)


def test_batch_token_table(cli: ServerProcess) -> None:
    out = ok(bao(cli, "token", "create", "-orphan", "-policy=dev", "-type=batch", "-ttl=10m"))
    assert masked(out) == BATCH_TABLE
    assert re.search(r"^token_accessor\s+n/a$", out, re.MULTILINE), out


def test_revoke_orphan_of_an_unknown_token_fails(cli: ServerProcess) -> None:
    result = bao(cli, "token", "revoke", "-mode=orphan", "nope")
    assert result.returncode == 2
    assert "Code: 400. Errors:\n\n* token to revoke not found" in result.stderr
