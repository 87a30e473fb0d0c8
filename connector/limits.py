"""AppFlow's contract with a connector, in one place: time, size, page and cache limits.

Everything else derives from these: the handlers' deadlines, the database timeouts, the
runtime settings' bounds, the response budget, and the template's Lambda Timeout (a test
holds ``LAMBDA_TIMEOUT_SECONDS`` and template.yaml together). Sources: the Java SDK's
README ("SDK Restrictions") and Lambda's quotas.
"""

from __future__ import annotations

__all__ = [
    "BUDGET_SECONDS", "CA_BUNDLE_MAX_BYTES", "CONNECT_TIMEOUT_DEFAULT", "CONNECT_TIMEOUT_RANGE", "DEFAULT_MAX_RESULTS",
    "IAM_TOKEN_LIFE_SECONDS", "IAM_TOKEN_REUSE_SECONDS",
    "IDLE_CONNECTION_SECONDS", "LAMBDA_TIMEOUT_SECONDS", "LONG_BUDGET_SECONDS", "MAX_FILTER_CHARS",
    "MAX_FILTER_CONDITIONS", "MAX_FILTER_DEPTH", "MAX_FILTER_TOKENS", "MAX_RESULTS_BOUND", "MAX_TOKEN_CHARS",
    "METADATA_CACHE_SECONDS", "NET_TIMEOUT_SECONDS", "RESPONSE_BUDGET_BYTES", "RESPONSE_LIMIT_BYTES",
    "RETRY_AFTER_SECONDS", "SECRETS_MANAGER_ATTEMPTS", "SECRETS_MANAGER_CONNECT_SECONDS",
    "SECRETS_MANAGER_READ_SECONDS", "SECRET_CACHE_SECONDS", "SHORT_BUDGET_SECONDS", "SPARE_SECONDS",
    "UNBOUNDED_READ_SECONDS",
]

# --- time ------------------------------------------------------------------------------------
# QueryData and WriteData must answer within 30 s, the other five calls within 10 s (Java SDK
# README); RetrieveData, a data call, gets the long budget too.
LONG_BUDGET_SECONDS = 30.0
SHORT_BUDGET_SECONDS = 10.0
BUDGET_SECONDS = {"QueryDataRequest": LONG_BUDGET_SECONDS, "RetrieveDataRequest": LONG_BUDGET_SECONDS,
                  "WriteDataRequest": LONG_BUDGET_SECONDS}
# The function's Timeout in template.yaml: the longest budget, and not a second more.
LAMBDA_TIMEOUT_SECONDS = int(LONG_BUDGET_SECONDS)
# Stop working this long before a budget ends: 3 s to spare, and room for the response to travel.
SPARE_SECONDS = 4.0
# Without a deadline (tools, tests): an exchange with the server may take as long as a data call could.
UNBOUNDED_READ_SECONDS = LONG_BUDGET_SECONDS - 2.0
# connectTimeoutSeconds: a login that needs longer than the short budget allows cannot answer it.
CONNECT_TIMEOUT_RANGE = (1.0, SHORT_BUDGET_SECONDS - 2.0)
CONNECT_TIMEOUT_DEFAULT = 5.0
# Secrets Manager: a blackholed endpoint must still leave time to say so inside the short budget.
SECRETS_MANAGER_CONNECT_SECONDS = 2
SECRETS_MANAGER_READ_SECONDS = 3
SECRETS_MANAGER_ATTEMPTS = 2

# When a retry may help (a lock, a lost session, an overloaded server), AppFlow is told to wait this long.
RETRY_AFTER_SECONDS = 30
# While rows stream out, the server waits this long for the client to read (the default 60 s broke long reads).
NET_TIMEOUT_SECONDS = 600

# --- size -------------------------------------------------------------------------------------
# Lambda's synchronous response limit; a page keeps room for the response envelope.
RESPONSE_LIMIT_BYTES = 6_000_000
RESPONSE_BUDGET_BYTES = RESPONSE_LIMIT_BYTES - 500_000
# maxResult(s): AppFlow's default, and what an event may ask for (a page still ends at the byte budget).
DEFAULT_MAX_RESULTS = 1000
MAX_RESULTS_BOUND = 2**31 - 1
# Input measured before it is parsed (the SDK's filter parser is slow on pathological input).
MAX_FILTER_CHARS = 65_536
MAX_FILTER_DEPTH = 64
MAX_FILTER_TOKENS = 10_000
# The SDK's parser recurses once per AND/OR: a longer chain would exhaust Python's stack (about 330 here).
MAX_FILTER_CONDITIONS = 200
MAX_TOKEN_CHARS = 65_536
# tlsCaBundle: the system store and the RDS bundle together are under 400 KB; a bigger file is no CA bundle.
CA_BUNDLE_MAX_BYTES = 1_048_576

# --- caches -----------------------------------------------------------------------------------
# AppFlow caches ListEntities/DescribeEntity answers this long: a new column shows within ten minutes.
METADATA_CACHE_SECONDS = 600
# The profile secret is re-read after this long (and at once after a rejected login).
SECRET_CACHE_SECONDS = 300
# A warm container keeps an idle connection this long.
IDLE_CONNECTION_SECONDS = 60.0
# IAM database tokens live 15 minutes; one is reused for 10, so a login always has 5 left.
IAM_TOKEN_LIFE_SECONDS = 900
IAM_TOKEN_REUSE_SECONDS = 600
