"""The ``pki`` mount type: a certificate authority with Vault's multi-issuer API.

Path order matters where templates overlap: ``issuer/{ref}/issue/{role}`` and the other
``issuer/{ref}/…`` forms come before ``issuer/{ref}`` (templates are anchored, so the
order only decides between equally specific matches).
"""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.ocsp import OCSPPaths
from pyvault.builtin.secrets.pki.path_crl_sign import CRLSignPaths
from pyvault.builtin.secrets.pki.path_fetch import FetchPaths
from pyvault.builtin.secrets.pki.path_issue import IssuePaths
from pyvault.builtin.secrets.pki.path_issuers import IssuerPaths
from pyvault.builtin.secrets.pki.path_revoke import RevokePaths, revoke_serial
from pyvault.builtin.secrets.pki.path_roles import RolePaths
from pyvault.builtin.secrets.pki.path_root import RootPaths
from pyvault.builtin.secrets.pki.path_tidy import TidyPaths
from pyvault.builtin.secrets.pki.periodic import periodic_func
from pyvault.builtin.secrets.pki.special import UNAUTHENTICATED
from pyvault.builtin.secrets.pki.store import PKIStore
from pyvault.framework.backend import Backend
from pyvault.logical.storage import Storage
from pyvault.logical.system_view import BackendConfig


def pki_backend(config: BackendConfig) -> Backend:
    engine = Engine(config)
    tidy = TidyPaths(engine)
    paths = [
        *IssuePaths(engine).paths(),
        *RootPaths(engine).paths(),
        *FetchPaths(engine).paths(),
        *CRLSignPaths(engine).paths(),
        *IssuerPaths(engine).paths(),
        *RolePaths().paths(),
        *RevokePaths(engine).paths(),
        *OCSPPaths(engine).paths(),
        *tidy.paths(),
    ]

    async def revoke_lease(storage: Storage, path: str, data: dict[str, Any] | None,
                           internal: dict[str, Any] | None) -> None:
        """generate_lease certificates: ending the lease revokes the certificate."""
        serial = (data or {}).get("serial_number", "")
        if serial:
            await revoke_serial(PKIStore(storage, engine.crl_lock), serial, config.clock.now())

    return Backend(paths=paths, backend_type="pki", help=HELP,
                   unauthenticated_paths=UNAUTHENTICATED, revoke_secret=revoke_lease,
                   periodic_func=periodic_func(engine, tidy),
                   cleanup_func=tidy.job.shutdown)


HELP = (
    "The PKI backend dynamically generates X509 server and client certificates.\n\n"
    "After mounting this backend, configure the CA using the \"pem_bundle\" endpoint "
    "within the \"config/\" path."
)
