"""`bao policy write|read|list|delete` against both servers.

Outputs were read off OpenBao 2.7.2 with its own CLI. `bao policy fmt` works on a local
file only and is not tested here.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

from harness import CLI_TIMEOUT, ServerProcess, clean_env, find_bao

POLICY = 'path "secret/*" {\n  capabilities = ["read"]\n}\n'


def unique(prefix: str = "clipol") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def bao(server: ServerProcess, *args: str, stdin: str | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """The bao CLI with the root token, optionally fed `stdin` (harness.bao closes stdin)."""
    if stdin is None:
        return server.bao(*args, token="root")
    env = clean_env(server.workdir / "cli-home")
    env["BAO_ADDR"] = env["VAULT_ADDR"] = server.addr
    env["BAO_TOKEN"] = "root"
    return subprocess.run([find_bao(), *args], env=env, cwd=server.workdir, input=stdin,
                          capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False)


def ok(result: subprocess.CompletedProcess[str], stdout: str, stderr: str = "") -> None:
    assert (result.returncode, result.stdout, result.stderr) == (0, stdout, stderr), result


def api_error(server: ServerProcess, result: subprocess.CompletedProcess[str], prefix: str,
              method: str, path: str, message: str) -> None:
    assert (result.returncode, result.stdout) == (2, ""), result
    assert result.stderr == (
        f"{prefix}: Error making API request.\n\n"
        f"URL: {method} {server.addr}/v1/{path}\n"
        f"Code: 400. Errors:\n\n* {message}\n"
    )


def policy_file(server: ServerProcess, text: str) -> Path:
    path = server.workdir / f"{unique('file')}.hcl"
    path.write_text(text)
    return path


def listed(server: ServerProcess) -> list[str]:
    result = bao(server, "policy", "list", "-format=json")
    assert (result.returncode, result.stderr) == (0, ""), result
    names: list[str] = json.loads(result.stdout)
    return names


def test_write_from_a_file_and_read(dev_server: ServerProcess) -> None:
    name = unique()
    ok(bao(dev_server, "policy", "write", name, str(policy_file(dev_server, POLICY))),
       f"Success! Uploaded policy: {name}\n")
    ok(bao(dev_server, "policy", "read", name), POLICY)
    result = bao(dev_server, "policy", "read", "-format=json", name)
    assert (result.returncode, result.stderr) == (0, ""), result
    assert json.loads(result.stdout) == {"policy": POLICY}


def test_write_without_a_final_newline(dev_server: ServerProcess) -> None:
    name, text = unique(), 'path "a/*" {\n  capabilities = ["read"]\n}'
    ok(bao(dev_server, "policy", "write", name, str(policy_file(dev_server, text))),
       f"Success! Uploaded policy: {name}\n")
    ok(bao(dev_server, "policy", "read", name), text + "\n")


def test_write_from_stdin(dev_server: ServerProcess) -> None:
    name = unique()
    ok(bao(dev_server, "policy", "write", name, "-", stdin=POLICY),
       f"Success! Uploaded policy: {name}\n")
    ok(bao(dev_server, "policy", "read", name), POLICY)


def test_mixed_case_name_is_converted(dev_server: ServerProcess) -> None:
    name = unique("CliMixed")
    ok(bao(dev_server, "policy", "write", name, "-", stdin=POLICY),
       f"Success! Uploaded policy: {name.lower()}\n",
       f'Policy name was converted from "{name}" to "{name.lower()}"\n')
    assert name.lower() in listed(dev_server)
    ok(bao(dev_server, "policy", "read", name.lower()), POLICY)


def test_write_errors(dev_server: ServerProcess) -> None:
    name = unique("clibad")
    api_error(dev_server, bao(dev_server, "policy", "write", name, "-", stdin='path "x" {\n'),
              "Error uploading policy", "PUT", f"sys/policies/acl/{name}",
              "failed to parse policy: At 2:2: object expected closing RBRACE got: EOF")
    api_error(dev_server, bao(dev_server, "policy", "write", name, "-",
                              stdin='path "x" { capabilities = ["nope"] }'),
              "Error uploading policy", "PUT", f"sys/policies/acl/{name}",
              'failed to parse policy: path "x": path "x": invalid capability "nope"')
    api_error(dev_server, bao(dev_server, "policy", "write", "root", "-", stdin=POLICY),
              "Error uploading policy", "PUT", "sys/policies/acl/root",
              'cannot update "root" policy')
    assert name not in listed(dev_server)


def test_list(dev_server: ServerProcess) -> None:
    early, late = unique("aaa"), unique("zzz")
    for name in (late, early):
        assert bao(dev_server, "policy", "write", name, "-", stdin=POLICY).returncode == 0
    names = listed(dev_server)
    assert names[-1] == "root"
    assert names[:-1] == sorted(names[:-1])
    assert {"default", early, late} <= set(names)
    result = bao(dev_server, "policy", "list")
    ok(result, "".join(f"{name}\n" for name in names))


def test_read_missing_and_root(dev_server: ServerProcess) -> None:
    name = unique("clinone")
    for target in (name, "root"):
        result = bao(dev_server, "policy", "read", target)
        assert (result.returncode, result.stdout, result.stderr) == (
            2, "", f"No policy named: {target}\n")


def test_default_policy_reads_back(dev_server: ServerProcess) -> None:
    result = bao(dev_server, "policy", "read", "default")
    assert (result.returncode, result.stderr) == (0, ""), result
    # The CLI trims the text it prints (the stored text starts with a newline).
    assert result.stdout.startswith(
        '# Allow tokens to look up their own properties\npath "auth/token/lookup-self" {\n')


def test_delete(dev_server: ServerProcess) -> None:
    name = unique()
    assert bao(dev_server, "policy", "write", name, "-", stdin=POLICY).returncode == 0
    for _ in range(2):  # deleting what is not there also succeeds
        ok(bao(dev_server, "policy", "delete", name), f"Success! Deleted policy: {name}\n")
    assert name not in listed(dev_server)
    api_error(dev_server, bao(dev_server, "policy", "delete", "root"),
              "Error deleting root", "DELETE", "sys/policies/acl/root",
              'cannot delete "root" policy')
    api_error(dev_server, bao(dev_server, "policy", "delete", "default"),
              "Error deleting default", "DELETE", "sys/policies/acl/default",
              "cannot delete default policy")
