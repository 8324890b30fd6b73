"""seal blocks: parsed into SealConfigBlock (options as strings), bad ones refused."""

from __future__ import annotations

import pytest

from pyvault.config import ConfigError, SealConfigBlock, parse_config


def test_pkcs11_block_keeps_its_options_as_strings() -> None:
    config = parse_config(
        'seal "pkcs11" {\n lib = "/usr/lib/softhsm/libsofthsm2.so"\n slot = 0\n'
        ' pin = "1234"\n key_label = "pyvault"\n generate_key = true\n}', "a.hcl"
    )
    (block,) = config.seals
    assert block.type == "pkcs11" and not block.disabled
    assert dict(block.options) == {
        "lib": "/usr/lib/softhsm/libsofthsm2.so", "slot": "0", "pin": "1234",
        "key_label": "pyvault", "generate_key": "true",
    }
    assert "1234" not in repr(block)


def test_transit_block_in_json_with_disabled() -> None:
    config = parse_config(
        '{"seal": {"transit": {"address": "http://k:8200", "disabled": "true"}}}', "a.json"
    )
    assert config.seals == (SealConfigBlock("transit", config.seals[0].options, True),)
    assert dict(config.seals[0].options) == {"address": "http://k:8200"}


def test_seals_from_several_files_accumulate() -> None:
    assert parse_config("ui = true", "a.hcl").seals == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('seal "awskms" {\n region = "x"\n}', 'seal type "awskms" is not supported'),
        ('seal = "pkcs11"', "seal must be a block"),
    ],
)
def test_bad_seal_blocks_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "a.hcl")
    assert problem in str(caught.value)
    assert str(caught.value).startswith("error loading configuration from a.hcl: ")
