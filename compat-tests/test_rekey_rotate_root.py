"""sys/rotate/root and sys/rotate/config against both servers (OpenBao's authenticated
root-key rotation; Vault's rotation config). After rotating the root key the same
shares unseal and everything stored is still there."""

from __future__ import annotations

from harness import ServerProcess


def test_rotate_root_then_reseal_with_the_same_shares(fresh_server: ServerProcess) -> None:
    fresh_server.initialize(shares=3, threshold=2)
    fresh_server.unseal()
    write = fresh_server.request("PUT", "/v1/cubbyhole/kept", json={"value": "still here"})
    assert write.status_code == 204
    denied = fresh_server.request("PUT", "/v1/sys/rotate/root", token=None)
    assert (denied.status_code, denied.json()) == (403, {"errors": ["permission denied"]})
    assert fresh_server.request("PUT", "/v1/sys/rotate/root").status_code == 204
    read = fresh_server.request("GET", "/v1/sys/rotate/root")
    assert (read.status_code, read.json()) == (405, {"errors": [
        "1 error occurred:\n\t* unsupported operation\n\n"]})
    assert fresh_server.request("GET", "/v1/sys/key-status").json()["term"] == 1

    assert fresh_server.request("PUT", "/v1/sys/seal").status_code == 204
    fresh_server.unseal()
    kept = fresh_server.request("GET", "/v1/cubbyhole/kept")
    assert kept.json()["data"] == {"value": "still here"}


def test_rotation_config(fresh_server: ServerProcess) -> None:
    fresh_server.initialize(shares=1, threshold=1)
    fresh_server.unseal()

    def config() -> dict[str, object]:
        resp = fresh_server.request("GET", "/v1/sys/rotate/config")
        assert resp.status_code == 200
        data: dict[str, object] = resp.json()["data"]
        return data

    assert config() == {"enabled": True, "interval": 0, "max_operations": 3865470566}
    ok = fresh_server.request("POST", "/v1/sys/rotate/config",
                              json={"max_operations": 1000000, "interval": "24h"})
    assert ok.status_code == 204
    assert config() == {"enabled": True, "interval": "24h0m0s", "max_operations": 1000000}
    for body, message in (
        ({"max_operations": 10}, "max_operations must be in the range [1000000,3865470566]"),
        ({"interval": "1h"}, "interval must be greater or equal to 24h0m0s"),
    ):
        resp = fresh_server.request("POST", "/v1/sys/rotate/config", json=body)
        assert (resp.status_code, resp.json()) == (400, {"errors": [message]})
    bad = fresh_server.request("POST", "/v1/sys/rotate/config", json={"max_operations": "x"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0].startswith(
        'Field validation failed: error converting input for field "max_operations"')
    assert fresh_server.request("POST", "/v1/sys/rotate/config",
                                json={"enabled": False}).status_code == 204
    assert config() == {"enabled": False, "interval": "24h0m0s", "max_operations": 1000000}
    assert fresh_server.request("POST", "/v1/sys/rotate/config",
                                json={"interval": "0"}).status_code == 204
    assert config()["interval"] == 0
    denied = fresh_server.request("GET", "/v1/sys/rotate/config", token=None)
    assert denied.status_code == 403
