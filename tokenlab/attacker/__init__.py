"""The attacker of the lessons, and what a theft is worth in numbers (issue 12).

- :mod:`~tokenlab.attacker.exposure` — the exposure Monte Carlo: N stolen access tokens, the
  moment of each theft, its detection, the API's revocation mode (none, a denylist, cached
  introspection) and DPoP, giving the distribution of the attacker's usable window in seconds.
  numpy is imported only when a simulation runs, so importing this package stays light.
- :mod:`~tokenlab.attacker.rsa_modulus` — algorithm confusion with no exposed key (PortSwigger's
  eighth JWT lab): the RSA modulus recovered from two RS256 tokens (RFC 8017 §9.2 encodings, a
  gcd with gmpy2, imported only when a recovery runs), and the PEM candidates an attacker tries
  as the HMAC secret.

The attacker drives clients and servers the way a real one would, with only what the wire
exposes: it sits with :mod:`tokenlab.course` and :mod:`tokenlab.scenarios`, above the actors.
May import every actor — the ground up to :mod:`tokenlab.client`, including the fenced
:mod:`tokenlab.attacks` — and nothing above it: not :mod:`tokenlab.course`,
:mod:`tokenlab.scenarios`, the plots or the widgets (the plots and widgets import it).
"""

from .exposure import (
    MAX_THEFTS,
    REVOCATION_MODES,
    Delay,
    Exponential,
    ExposureWindows,
    Fixed,
    TheftModel,
    Uniform,
    WindowStats,
    format_window,
    simulate_thefts,
)
from .rsa_modulus import (
    ModulusRecoveryError,
    emsa_pkcs1_v1_5,
    public_pem_candidates,
    recover_rsa_modulus,
)

__all__ = [
    "MAX_THEFTS",
    "REVOCATION_MODES",
    "Delay",
    "Exponential",
    "ExposureWindows",
    "Fixed",
    "ModulusRecoveryError",
    "TheftModel",
    "Uniform",
    "WindowStats",
    "emsa_pkcs1_v1_5",
    "format_window",
    "public_pem_candidates",
    "recover_rsa_modulus",
    "simulate_thefts",
]
