"""The KV secrets engine, versions 1 and 2 (``kv_backend`` picks one per mount).

Storage layout inside the mount's view (every value JSON):

``<path>``
    KV v1: the secret exactly as written (keys sorted), at its own path, as Vault's
    pass-through backend keeps it. Listing a folder is one storage ``list``.
``.kv2/upgrade``
    ``{"started": ns, "done": bool}``: the v1 → v2 upgrade marker. A v2 backend
    that finds no "done" marker migrates every v1 entry first (``upgrade.py``).
``.kv2/config``
    The mount config: ``max_versions``, ``cas_required``, ``metadata_cas_required``,
    ``delete_version_after`` (seconds; null unset, -1 disabled).
``.kv2/meta/<path>``
    One record per secret: its versions (created/deletion ns, destroyed), current
    and oldest version, settings and ``custom_metadata``. Keyed by the secret's
    path, so listing ``metadata/<folder>`` is a key listing with no record read.
``.kv2/data/<path>/<n>``
    The payload of version ``n``: just the JSON the client wrote, nothing else,
    so reads decode it straight into the answer and the v1 → v2 upgrade can move
    a v1 entry byte for byte.

Why one record per version and not one per secret: a write adds one small blob
and rewrites only the metadata, whatever the number of versions kept, and
pruning or destroying a version is a delete. Why the ``.kv2/`` folder: v1 owns
the whole root (any path is a secret), so v2 needs a folder v1 cannot reach; the
v1 backend refuses writes under it.

Unlike Vault, secret names are not encrypted inside storage keys (the values
are, by the barrier); Vault's v2 additionally hides names with a per-mount key.
"""
