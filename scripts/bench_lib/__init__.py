"""scripts/bench: pyvault against the reference OpenBao server, measured with wrk.

Modules: cli (options), servers (start, init, unseal, stop), client (HTTP for set-up),
prepare (same state on every server), scenarios (wrk Lua scripts), lua (shared Lua),
procstat (/proc readers), wrk (one measured run), runner (A B A B rounds), report
(table and JSON), profile (py-spy on pyvault). How to read the output: docs/bench.md.
"""
