"""Server configuration: HCL/JSON → ServerConfig, merging, and one-line errors."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any, cast

import hcl
import pytest

from pyvault.config import (
    ConfigError,
    ListenerConfig,
    ServerConfig,
    StorageConfig,
    load_config,
    parse_config,
)
from pyvault.util.durations import parse_duration

PLAIN = 'listener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = 1\n}\n'
TLS = 'tls_cert_file = "/c.pem"\ntls_key_file = "/k.pem"'


def parse(text: str, source: str = "server.hcl") -> ServerConfig:
    return parse_config(text, source)


def error_of(text: str, source: str = "server.hcl") -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"error loading configuration from {source}: ")
    return message


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- durations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("768h", 2764800.0),
        ("1h30m", 5400.0),
        ("90s", 90.0),
        ("10m", 600.0),
        ("1.5h", 5400.0),
        ("500ms", 0.5),
        ("1h1m1s1ms", 3661.001),
        ("2us", 2e-6),
        ("2\u00b5s", 2e-6),
        ("-2m", -120.0),
        ("7d", 604800.0),
        ("3600", 3600.0),
        (" 60 ", 60.0),
        ("0", 0.0),
        (3600, 3600.0),
        (1.5, 1.5),
    ],
)
def test_parse_duration(value: str | int | float, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "abc", "1x", "h", "1h 30m", "1.2.3s", "-", "5d3h"])
def test_parse_duration_rejects_bad_strings(value: str) -> None:
    with pytest.raises(ValueError, match=r"invalid duration"):
        parse_duration(value)


@pytest.mark.parametrize("value", [True, None, [1], math.nan, math.inf])
def test_parse_duration_rejects_other_values(value: object) -> None:
    with pytest.raises(ValueError, match=r"invalid duration"):
        parse_duration(cast(Any, value))


# --- the whole file ----------------------------------------------------------


def test_full_file() -> None:
    config = parse(
        """
        storage "sqlite" {
          path = "/var/lib/pyvault.db"
        }
        listener "tcp" {
          address            = "0.0.0.0:8200"
          tls_cert_file      = "/etc/pyvault/cert.pem"
          tls_key_file       = "/etc/pyvault/key.pem"
          tls_min_version    = "tls13"
          tls_client_ca_file = "/etc/pyvault/ca.pem"
          tls_require_and_verify_client_cert = true
          max_request_size     = 1048576
          max_request_duration = "2m"
        }
        api_addr          = "https://vault.example:8200"
        cluster_addr      = "https://vault.example:8201"
        ui                = true
        disable_mlock     = true
        default_lease_ttl = "1h"
        max_lease_ttl     = "720h"
        log_level         = "Debug"
        log_format        = "json"
        pid_file          = "/run/pyvault.pid"
        cluster_name      = "prod"
        """
    )
    assert config == ServerConfig(
        storage=StorageConfig("sqlite", {"path": "/var/lib/pyvault.db"}),
        listeners=(
            ListenerConfig(
                address="0.0.0.0:8200",
                tls_cert_file="/etc/pyvault/cert.pem",
                tls_key_file="/etc/pyvault/key.pem",
                tls_min_version="tls13",
                tls_client_ca_file="/etc/pyvault/ca.pem",
                tls_require_and_verify_client_cert=True,
                max_request_size=1048576,
                max_request_duration=120.0,
            ),
        ),
        api_addr="https://vault.example:8200",
        cluster_addr="https://vault.example:8201",
        ui=True,
        disable_mlock=True,
        default_lease_ttl=3600,
        max_lease_ttl=720 * 3600,
        log_level="debug",
        log_format="json",
        pid_file="/run/pyvault.pid",
        cluster_name="prod",
    )


def test_empty_file_gives_defaults() -> None:
    config = parse("# nothing here\n")
    assert config == ServerConfig(storage=None, listeners=())
    assert config.default_lease_ttl == config.max_lease_ttl == 2764800
    assert (config.log_level, config.log_format, config.ui) == ("info", "standard", False)


def test_config_is_frozen() -> None:
    config = parse('storage "inmem" {}\n' + PLAIN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.ui = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.storage.options["x"] = "y"  # type: ignore[index, union-attr]


# --- listeners -----------------------------------------------------------------


def test_pyhcl_folds_repeated_blocks() -> None:
    """Why pyvault.config.syntax exists: hcl.loads merges repeated blocks into one."""
    text = 'listener "tcp" { address = "a:1" tls_disable = 1 }\nlistener "tcp" { address = "b:2" }'
    assert hcl.loads(text) == {"listener": {"tcp": {"address": "b:2", "tls_disable": 1}}}


def test_two_listener_blocks_give_two_listeners() -> None:
    config = parse(
        f'listener "tcp" {{\n address = "127.0.0.1:8200"\n tls_disable = 1\n}}\n'
        f'listener "tcp" {{\n address = "0.0.0.0:8443"\n {TLS}\n}}\n'
    )
    assert [listener.address for listener in config.listeners] == [
        "127.0.0.1:8200",
        "0.0.0.0:8443",
    ]
    first, second = config.listeners
    assert first.tls_disable and first.tls_cert_file is None
    assert not second.tls_disable and second.tls_cert_file == "/c.pem"


def test_three_listener_blocks_keep_their_order() -> None:
    text = "".join(
        f'listener "tcp" {{ address = "127.0.0.1:{port}" tls_disable = true }}\n'
        for port in (8200, 8300, 8400)
    )
    assert [ln.address for ln in parse(text).listeners] == [
        "127.0.0.1:8200",
        "127.0.0.1:8300",
        "127.0.0.1:8400",
    ]


def test_listener_without_label_nested_shape() -> None:
    config = parse('listener { tcp { address = "127.0.0.1:9000" tls_disable = 1 } }')
    assert config.listeners == (ListenerConfig(address="127.0.0.1:9000", tls_disable=True),)


@pytest.mark.parametrize(
    "document",
    [
        {
            "listener": [
                {"tcp": {"address": "a:1", "tls_disable": 1}},
                {"tcp": {"address": "b:2", "tls_disable": "true"}},
            ]
        },
        {
            "listener": {
                "tcp": [
                    {"address": "a:1", "tls_disable": True},
                    {"address": "b:2", "tls_disable": "1"},
                ]
            }
        },
    ],
)
def test_json_listener_lists(document: dict[str, object]) -> None:
    config = parse(json.dumps(document), "server.json")
    assert [(ln.address, ln.tls_disable) for ln in config.listeners] == [
        ("a:1", True),
        ("b:2", True),
    ]


def test_json_single_listener_object() -> None:
    text = json.dumps({"listener": {"tcp": {"address": "0.0.0.0:8200", "tls_disable": "1"}}})
    assert parse(text, "server.json").listeners == (
        ListenerConfig(address="0.0.0.0:8200", tls_disable=True),
    )


def test_json_repeated_top_level_listener_keys_are_kept() -> None:
    text = (
        '{"listener": {"tcp": {"address": "a:1", "tls_disable": 1}},'
        ' "listener": {"tcp": {"address": "b:2", "tls_disable": 1}}}'
    )
    assert [ln.address for ln in parse(text, "x.json").listeners] == ["a:1", "b:2"]


def test_listener_defaults() -> None:
    (listener,) = parse('listener "tcp" { tls_disable = "true" }').listeners
    assert listener == ListenerConfig(tls_disable=True)
    assert listener.address == "127.0.0.1:8200"
    assert listener.max_request_size == 33554432
    assert listener.max_request_duration == 90.0
    assert listener.tls_min_version == "tls12"


def test_only_tcp_listeners() -> None:
    assert 'listener 1 ("unix")' in error_of('listener "unix" { address = "/tmp/s" }')


def test_unknown_listener_option_is_named() -> None:
    message = error_of('listener "tcp" {\n tls_disable = 1\n tls_disabel = 1\n}')
    assert 'unknown option "tls_disabel"' in message
    assert 'listener 1 ("tcp")' in message


def test_second_listener_error_names_it() -> None:
    message = error_of(PLAIN + 'listener "tcp" { address = "b:2" colour = "red" }')
    assert 'listener 2 ("tcp"): unknown option "colour"' in message


def test_vault_cluster_address_is_accepted() -> None:
    config = parse('listener "tcp" { cluster_address = "0.0.0.0:8201" tls_disable = 1 }')
    assert config.listeners == (ListenerConfig(tls_disable=True),)


@pytest.mark.parametrize(
    "body",
    [
        'address = "a:1"',
        'address = "a:1"\ntls_disable = false',
        'tls_cert_file = "/c.pem"',
        'tls_key_file = "/k.pem"',
        'tls_disable = "0"',
    ],
)
def test_tls_needs_cert_and_key(body: str) -> None:
    message = error_of(f'listener "tcp" {{\n{body}\n}}')
    assert "tls_cert_file and tls_key_file" in message
    assert "tls_disable" in message


def test_tls_with_cert_and_key() -> None:
    (listener,) = parse(f'listener "tcp" {{\n{TLS}\n}}').listeners
    assert (listener.tls_disable, listener.tls_cert_file, listener.tls_key_file) == (
        False,
        "/c.pem",
        "/k.pem",
    )


@pytest.mark.parametrize("version", ["tls10", "tls11", "tls12", "tls13"])
def test_tls_min_version(version: str) -> None:
    (listener,) = parse(f'listener "tcp" {{\n{TLS}\ntls_min_version = "{version}"\n}}').listeners
    assert listener.tls_min_version == version


def test_bad_tls_min_version() -> None:
    message = error_of(f'listener "tcp" {{\n{TLS}\ntls_min_version = "tls1.2"\n}}')
    assert '"tls1.2"' in message and "tls13" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 33554432), ("-1", -1), ("-5", -1), ("1024", 1024), ('"2048"', 2048)],
)
def test_max_request_size(value: str, expected: int) -> None:
    text = f'listener "tcp" {{ tls_disable = 1 max_request_size = {value} }}'
    assert parse(text).listeners[0].max_request_size == expected


def test_bad_max_request_size() -> None:
    message = error_of('listener "tcp" { tls_disable = 1 max_request_size = "32MB" }')
    assert "max_request_size must be an integer" in message


@pytest.mark.parametrize(
    ("value", "seconds"), [('"10m"', 600.0), ("30", 30.0), ('"1.5s"', 1.5), ("0", 90.0)]
)
def test_max_request_duration(value: str, seconds: float) -> None:
    text = f'listener "tcp" {{ tls_disable = 1 max_request_duration = {value} }}'
    assert parse(text).listeners[0].max_request_duration == seconds


@pytest.mark.parametrize(("value", "problem"), [('"-1s"', "negative"), ('"soon"', "duration")])
def test_bad_max_request_duration(value: str, problem: str) -> None:
    text = f'listener "tcp" {{ tls_disable = 1 max_request_duration = {value} }}'
    message = error_of(text)
    assert "max_request_duration" in message and problem in message


@pytest.mark.parametrize("address", ["0.0.0.0:8200", "[::]:8200", ":8200", "localhost:0"])
def test_good_addresses(address: str) -> None:
    text = f'listener "tcp" {{ tls_disable = 1 address = "{address}" }}'
    assert parse(text).listeners[0].address == address


@pytest.mark.parametrize("address", ["0.0.0.0", "host:http", "host:99999", "[::1:8200"])
def test_bad_addresses(address: str) -> None:
    text = f'listener "tcp" {{ tls_disable = 1 address = "{address}" }}'
    assert "address" in error_of(text)


# --- bools -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("false", False),
        ('"true"', True),
        ('"false"', False),
        ("1", True),
        ("0", False),
        ('"1"', True),
        ('"0"', False),
        ('"TRUE"', True),
        ('"f"', False),
    ],
)
def test_bools_as_words_numbers_and_strings(value: str, expected: bool) -> None:
    config = parse(
        f'ui = {value}\ndisable_mlock = {value}\nlistener "tcp" {{ tls_disable = {value}\n{TLS} }}'
    )
    assert config.ui is expected
    assert config.disable_mlock is expected
    assert config.listeners[0].tls_disable is expected


@pytest.mark.parametrize("value", ['"yes"', "2", '""', "1.0", '["true"]'])
def test_bad_bools(value: str) -> None:
    assert "ui must be true or false" in error_of(f"ui = {value}")


# --- storage -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ('storage "sqlite" { path = "/data/v.db" }', "s.hcl"),
        ('backend "sqlite" { path = "/data/v.db" }', "s.hcl"),
        ('storage { sqlite { path = "/data/v.db" } }', "s.hcl"),
        ('{"storage": {"sqlite": {"path": "/data/v.db"}}}', "s.json"),
        ('{"backend": {"sqlite": {"path": "/data/v.db"}}}', "s.json"),
        ('{"storage": [{"sqlite": {"path": "/data/v.db"}}]}', "s.json"),
        ('{"storage": {"sqlite": {"path": "/data/v.db"}}}', "s.hcl"),  # JSON in a .hcl file
    ],
)
def test_storage_shapes(text: str, source: str) -> None:
    assert parse(text, source).storage == StorageConfig("sqlite", {"path": "/data/v.db"})


@pytest.mark.parametrize("kind", ["inmem", "sqlite", "postgresql"])
def test_storage_types(kind: str) -> None:
    storage = parse(f'storage "{kind}" {{}}').storage
    assert storage is not None and storage.type == kind and dict(storage.options) == {}


def test_unknown_storage_type() -> None:
    message = error_of('storage "raft" { path = "/x" }')
    assert 'storage type "raft" is not supported' in message


def test_storage_options_become_strings() -> None:
    storage = parse(
        'storage "postgresql" {\n connection_url = "postgres://x"\n max_parallel = 128\n'
        ' ha_enabled = true\n ratio = 1.5\n tables = ["a", "b"]\n}'
    ).storage
    assert storage is not None
    assert dict(storage.options) == {
        "connection_url": "postgres://x",
        "max_parallel": "128",
        "ha_enabled": "true",
        "ratio": "1.5",
        "tables": '["a","b"]',
    }


@pytest.mark.parametrize(
    "text",
    [
        'storage "sqlite" { path = "/a" }\nstorage "inmem" {}',
        'storage "sqlite" { path = "/a" }\nstorage "sqlite" { path = "/b" }',
        'storage "sqlite" { path = "/a" }\nbackend "sqlite" { path = "/b" }',
        'storage { sqlite { path = "/a" } inmem {} }',
    ],
)
def test_storage_only_once(text: str) -> None:
    assert "storage is given more than once" in error_of(text)


# --- top-level keys --------------------------------------------------------------


def test_unknown_top_level_key_names_key_and_file() -> None:
    message = error_of('ui = true\nha_storage "consul" {}', "/etc/pyvault/a.hcl")
    assert message == (
        "error loading configuration from /etc/pyvault/a.hcl: unknown configuration key "
        '"ha_storage"'
    )


@pytest.mark.parametrize(
    "line",
    [
        "disable_cache = true",
        'plugin_directory = "/plugins"',
        "raw_storage_endpoint = true",
        "introspection_endpoint = true",
        "enable_response_header_hostname = true",
        "enable_response_header_raft_node_id = true",
        'license_path = "/l"',
        "disable_performance_standby = true",
        'log_file = "/var/log/vault.log"',
    ],
)
def test_vault_keys_we_ignore(line: str) -> None:
    assert parse(line) == ServerConfig(storage=None, listeners=())


def test_disable_clustering_turns_request_forwarding_off() -> None:
    assert parse("disable_clustering = true").disable_clustering is True
    assert parse("").disable_clustering is False


def test_later_scalar_wins_within_a_file() -> None:
    assert parse("ui = true\nui = false").ui is False


@pytest.mark.parametrize("key", ["api_addr", "cluster_addr", "pid_file", "cluster_name"])
def test_string_keys_refuse_numbers(key: str) -> None:
    assert f"{key} must be a string" in error_of(f"{key} = 8200")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("trace", "trace"),
        ("DEBUG", "debug"),
        ("Info", "info"),
        ("warn", "warn"),
        ("warning", "warn"),
        ("ERROR", "error"),
    ],
)
def test_log_levels(value: str, expected: str) -> None:
    assert parse(f'log_level = "{value}"').log_level == expected


def test_bad_log_level() -> None:
    assert "log_level must be one of" in error_of('log_level = "verbose"')


def test_log_format() -> None:
    assert parse('log_format = "JSON"').log_format == "json"
    assert "log_format must be standard or json" in error_of('log_format = "xml"')


# --- lease TTLs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ('"768h"', 2764800),
        ("3600", 3600),
        ('"3600"', 3600),
        ('"1h30m"', 5400),
        ('"90s"', 90),
        ('"10m"', 600),
        ('"1.5h"', 5400),
        ('"1500ms"', 1),
    ],
)
def test_lease_ttls(value: str, seconds: int) -> None:
    config = parse(f"default_lease_ttl = {value}\nmax_lease_ttl = {value}")
    assert config.default_lease_ttl == config.max_lease_ttl == seconds


def test_zero_ttl_means_default() -> None:
    config = parse('default_lease_ttl = 0\nmax_lease_ttl = "0s"')
    assert config.default_lease_ttl == config.max_lease_ttl == 2764800


def test_default_ttl_may_not_exceed_max() -> None:
    message = error_of('default_lease_ttl = "2h"\nmax_lease_ttl = "1h"')
    assert "default_lease_ttl (7200s) cannot be larger than max_lease_ttl (3600s)" in message
    # As in Vault, a max below the 768h default needs the default lowered too.
    assert "cannot be larger" in error_of('max_lease_ttl = "1h"')


@pytest.mark.parametrize(
    ("value", "problem"), [('"-1h"', "negative"), ('"1 day"', "duration"), ("true", "duration")]
)
def test_bad_ttls(value: str, problem: str) -> None:
    message = error_of(f"default_lease_ttl = {value}")
    assert "default_lease_ttl" in message and problem in message


# --- syntax errors -------------------------------------------------------------------


def test_hcl_syntax_error_names_file_and_line() -> None:
    message = error_of('ui = true\nlistener "tcp" {\n  address =\n}\n', "/etc/pv/broken.hcl")
    assert message.startswith("error loading configuration from /etc/pv/broken.hcl: Line 4, ")
    assert "column 1" in message and "unexpected RIGHTBRACE" in message


def test_hcl_lexer_error_names_file_and_line() -> None:
    message = error_of("ui = true\n  api_addr = @\n", "x.hcl")
    assert message.endswith("x.hcl: Line 2, column 14: Illegal character '@'")
    assert "EOF before closing string quote" in error_of('api_addr = "unterminated\n')


def test_hcl_unexpected_end_of_file() -> None:
    assert "Unexpected end of file" in error_of('listener "tcp" {')


def test_json_syntax_error_names_file() -> None:
    message = error_of('{"ui": true,}', "conf.json")
    assert "conf.json: " in message and "line 1 column" in message


def test_json_top_level_must_be_object() -> None:
    assert "JSON object" in error_of("[1, 2]", "conf.json")


def test_bad_block_shapes() -> None:
    assert "listener must be a block" in error_of('listener = "tcp"')
    assert "storage must be a block" in error_of('storage = "sqlite"')
    assert "must be a block" in error_of('{"listener": {"tcp": "x"}}', "c.json")


# --- load_config: files, directories, merging -----------------------------------------


def test_load_one_file(tmp_path: Path) -> None:
    path = write(tmp_path / "server.hcl", 'storage "inmem" {}\n' + PLAIN)
    config = load_config([path])
    assert config.storage == StorageConfig("inmem", {})
    assert config.listeners == (ListenerConfig(tls_disable=True),)


def test_load_json_file(tmp_path: Path) -> None:
    document = {
        "backend": {"sqlite": {"path": "/v.db"}},
        "listener": {"tcp": {"address": "0.0.0.0:8200", "tls_disable": "1"}},
        "default_lease_ttl": "1h",
        "max_lease_ttl": "720h",
        "ui": True,
        "plugin_directory": "/vault/plugins",
        "cluster_name": "Vault",
        "disable_mlock": True,
    }
    config = load_config([write(tmp_path / "server.json", json.dumps(document))])
    assert config == ServerConfig(
        storage=StorageConfig("sqlite", {"path": "/v.db"}),
        listeners=(ListenerConfig(address="0.0.0.0:8200", tls_disable=True),),
        default_lease_ttl=3600,
        max_lease_ttl=720 * 3600,
        ui=True,
        cluster_name="Vault",
        disable_mlock=True,
    )


def test_load_directory(tmp_path: Path) -> None:
    write(tmp_path / "b-listener.hcl", 'listener "tcp" { address = "b:2" tls_disable = 1 }')
    write(tmp_path / "a-storage.hcl", 'storage "sqlite" { path = "/v.db" }\nui = true')
    write(
        tmp_path / "c.json",
        '{"listener": {"tcp": {"address": "c:3", "tls_disable": 1}}, "ui": false}',
    )
    write(tmp_path / "notes.txt", "not config")
    write(tmp_path / "old.hcl~", "broken {")
    write(tmp_path / ".#lock.hcl", "broken {")
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested" / "d.hcl", 'listener "tcp" { address = "d:4" tls_disable = 1 }')
    (tmp_path / "dir.hcl").mkdir()
    config = load_config([str(tmp_path)])
    assert config.storage == StorageConfig("sqlite", {"path": "/v.db"})
    assert [ln.address for ln in config.listeners] == ["b:2", "c:3"]
    assert config.ui is False  # c.json comes after a-storage.hcl


def test_load_several_paths_merge(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    first = write(
        tmp_path / "main.hcl", PLAIN + 'log_level = "debug"\nui = true\ndefault_lease_ttl = "1h"'
    )
    write(tmp_path / "conf.d" / "10.hcl", 'storage "inmem" {}\nlog_level = "error"')
    last = write(
        tmp_path / "extra.hcl",
        'listener "tcp" { address = "0.0.0.0:9" tls_disable = 1 }\nmax_lease_ttl = "2h"',
    )
    config = load_config([first, str(tmp_path / "conf.d"), last])
    assert [ln.address for ln in config.listeners] == ["127.0.0.1:8200", "0.0.0.0:9"]
    assert config.storage == StorageConfig("inmem", {})
    assert (config.log_level, config.ui) == ("error", True)
    assert (config.default_lease_ttl, config.max_lease_ttl) == (3600, 7200)


def test_storage_in_two_files(tmp_path: Path) -> None:
    first = write(tmp_path / "a.hcl", 'storage "inmem" {}')
    second = write(tmp_path / "b.hcl", 'backend "sqlite" { path = "/x" }')
    with pytest.raises(ConfigError) as info:
        load_config([first, second])
    assert str(info.value) == (
        f"error loading configuration from {second}: storage is already configured in "
        f"{first}; give exactly one storage block"
    )


def test_missing_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.hcl")
    with pytest.raises(ConfigError) as info:
        load_config([missing])
    assert str(info.value) == (
        f"error loading configuration from {missing}: no such file or directory"
    )


def test_error_in_a_directory_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "a.hcl", "ui = true")
    broken = write(tmp_path / "b.hcl", "ui = maybe\n")
    with pytest.raises(ConfigError) as info:
        load_config([str(tmp_path)])
    assert str(info.value).startswith(
        f"error loading configuration from {broken}: ui must be true or false"
    )


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "bin.hcl"
    path.write_bytes(b"ui = \xff\xfe")
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config([str(path)])


def test_no_paths_and_empty_directory(tmp_path: Path) -> None:
    empty = ServerConfig(storage=None, listeners=())
    assert load_config([]) == empty
    assert load_config([str(tmp_path)]) == empty
